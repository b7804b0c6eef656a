/* ips-map, decoding: the page's data (page-data.schema.json) into plain values.
 * Encoded polylines (render/_encode.py), tables stored as columns, the services table. */
(function (ipsMap) {
  "use strict";

  // Encoded polyline to points built by make(lat, lng).
  function decode(str, precision, make) {
    var factor = Math.pow(10, precision === undefined ? 4 : precision);
    var points = [], index = 0, lat = 0, lng = 0;
    while (index < str.length) {
      var result = 0, shift = 0, b;
      do { b = str.charCodeAt(index++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lat += (result & 1) ? ~(result >> 1) : (result >> 1);
      result = 0; shift = 0;
      do { b = str.charCodeAt(index++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lng += (result & 1) ? ~(result >> 1) : (result >> 1);
      points.push(make(lat / factor, lng / factor));
    }
    return points;
  }

  function decodeRing(str, precision) {
    return decode(str, precision, function (lat, lng) { return [lat, lng]; });
  }

  // An object of column arrays, all of one length, to one object per row.
  function columnRows(columns) {
    var names = Object.keys(columns), rows = [];
    var count = names.length ? columns[names[0]].length : 0;
    for (var i = 0; i < count; i++) {
      var row = {};
      for (var k = 0; k < names.length; k++) row[names[k]] = columns[names[k]][i];
      rows.push(row);
    }
    return rows;
  }

  // The services table: each text column stored whole, as one constant, or as distinct
  // values and indices; a column missing from the table is empty for every service.
  function ServiceTable(table) {
    this.count = table.count;
    this.positions = table.count ? decodeRing(table.positions, table.precision) : [];
    this.columns = table.columns;
  }
  ServiceTable.prototype.get = function (name, i) {
    var column = this.columns[name];
    if (column === undefined) return "";
    if (Array.isArray(column)) return column[i];
    if (column.constant !== undefined) return column.constant;
    return column.values[column.indices[i]];
  };
  ServiceTable.prototype.record = function (i) {
    var out = { lat: this.positions[i][0], lon: this.positions[i][1] };
    for (var name in this.columns) out[name] = this.get(name, i);
    return out;
  };

  ipsMap.decode = decode;
  ipsMap.decodeRing = decodeRing;
  ipsMap.columnRows = columnRows;
  ipsMap.ServiceTable = ServiceTable;
})(window.ipsMap = window.ipsMap || {});
