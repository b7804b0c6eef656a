// ips-map: in place of Leaflet's Marker.Drag module (markers dragged with the mouse). The
// map's markers are never dragged; Marker.js makes marker.dragging only `if (MarkerDrag)`.
export var MarkerDrag;
