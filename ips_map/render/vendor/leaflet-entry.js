/* ips-map: the Leaflet modules the map uses, for scripts/build-leaflet.mjs (esbuild).
 *
 * The same `L` as Leaflet's own leaflet.js for everything the page calls (render/static/*.js,
 * Folium's map script), without the modules the map never uses: tile layers, image, video
 * and SVG overlays, GeoJSON, circles, projections and CRS other than Web Mercator, the
 * attribution control, the long press that iOS Safari turns into a right click (TapHold:
 * the map has no context menu). A script that calls one of those finds it undefined: add
 * its module here, run `make leaflet`, commit leaflet-ips.js.
 *
 * Two modules that other modules import are replaced by the stubs of leaflet-stubs/ (see
 * scripts/build-leaflet.mjs): SVG.VML (Internet Explorer 8) and Marker.Drag (the map's
 * markers are never dragged).
 */
import {version} from 'leaflet/package.json';

import Browser from 'leaflet/src/core/Browser';
import {Class} from 'leaflet/src/core/Class';
import {Evented, Events} from 'leaflet/src/core/Events';
import {Handler} from 'leaflet/src/core/Handler';
import * as Util from 'leaflet/src/core/Util';
import {extend, bind, stamp, setOptions} from 'leaflet/src/core/Util';

import {Point, toPoint} from 'leaflet/src/geometry/Point';
import {Bounds, toBounds} from 'leaflet/src/geometry/Bounds';
import {Transformation, toTransformation} from 'leaflet/src/geometry/Transformation';
import * as LineUtil from 'leaflet/src/geometry/LineUtil';
import * as PolyUtil from 'leaflet/src/geometry/PolyUtil';

import {LatLng, toLatLng} from 'leaflet/src/geo/LatLng';
import {LatLngBounds, toLatLngBounds} from 'leaflet/src/geo/LatLngBounds';
import {SphericalMercator} from 'leaflet/src/geo/projection/Projection.SphericalMercator';
import {CRS} from 'leaflet/src/geo/crs/CRS';
import {Earth} from 'leaflet/src/geo/crs/CRS.Earth';
import {EPSG3857, EPSG900913} from 'leaflet/src/geo/crs/CRS.EPSG3857';

import {PosAnimation} from 'leaflet/src/dom/PosAnimation';
import * as DomEvent from 'leaflet/src/dom/DomEvent';
import * as DomUtil from 'leaflet/src/dom/DomUtil';
import {Draggable} from 'leaflet/src/dom/Draggable';

import {Layer} from 'leaflet/src/layer/Layer';
import {LayerGroup, layerGroup} from 'leaflet/src/layer/LayerGroup';
import {FeatureGroup, featureGroup} from 'leaflet/src/layer/FeatureGroup';
import {DivOverlay} from 'leaflet/src/layer/DivOverlay';
import {Popup, popup} from 'leaflet/src/layer/Popup';
import {Tooltip, tooltip} from 'leaflet/src/layer/Tooltip';
import {Icon, icon} from 'leaflet/src/layer/marker/Icon';
import {IconDefault} from 'leaflet/src/layer/marker/Icon.Default';
import {DivIcon, divIcon} from 'leaflet/src/layer/marker/DivIcon';
import {Marker, marker} from 'leaflet/src/layer/marker/Marker';
import {Renderer} from 'leaflet/src/layer/vector/Renderer';
import {Canvas, canvas} from 'leaflet/src/layer/vector/Canvas';
import {SVG, create, pointsToPath, svg} from 'leaflet/src/layer/vector/SVG';
import 'leaflet/src/layer/vector/Renderer.getRenderer';
import {Path} from 'leaflet/src/layer/vector/Path';
import {Polyline, polyline} from 'leaflet/src/layer/vector/Polyline';
import {Polygon, polygon} from 'leaflet/src/layer/vector/Polygon';
import {Rectangle, rectangle} from 'leaflet/src/layer/vector/Rectangle';

import {Map, createMap} from 'leaflet/src/map/Map';
import {BoxZoom} from 'leaflet/src/map/handler/Map.BoxZoom';
import {DoubleClickZoom} from 'leaflet/src/map/handler/Map.DoubleClickZoom';
import {Drag} from 'leaflet/src/map/handler/Map.Drag';
import {Keyboard} from 'leaflet/src/map/handler/Map.Keyboard';
import {ScrollWheelZoom} from 'leaflet/src/map/handler/Map.ScrollWheelZoom';
import {TouchZoom} from 'leaflet/src/map/handler/Map.TouchZoom';

import {Control, control} from 'leaflet/src/control/Control';
import {Layers, layers} from 'leaflet/src/control/Control.Layers';
import {Zoom, zoom} from 'leaflet/src/control/Control.Zoom';
import {Scale, scale} from 'leaflet/src/control/Control.Scale';

// The attachments Leaflet's own index files make (src/*/index.js).
CRS.Earth = Earth;
CRS.EPSG3857 = EPSG3857;
CRS.EPSG900913 = EPSG900913;
Icon.Default = IconDefault;
SVG.create = create;
SVG.pointsToPath = pointsToPath;
Map.BoxZoom = BoxZoom;
Map.DoubleClickZoom = DoubleClickZoom;
Map.Drag = Drag;
Map.Keyboard = Keyboard;
Map.ScrollWheelZoom = ScrollWheelZoom;
Map.TouchZoom = TouchZoom;
Control.Layers = Layers;
Control.Zoom = Zoom;
Control.Scale = Scale;
control.layers = layers;
control.zoom = zoom;
control.scale = scale;

// A plain object, as leaflet.js makes (a module namespace could not take what a script adds).
var L = {
  version: version,
  Browser: Browser, Class: Class, Evented: Evented, Mixin: {Events: Events}, Handler: Handler,
  Util: Util, extend: extend, bind: bind, stamp: stamp, setOptions: setOptions,
  Point: Point, point: toPoint, Bounds: Bounds, bounds: toBounds,
  Transformation: Transformation, transformation: toTransformation,
  LineUtil: LineUtil, PolyUtil: PolyUtil,
  LatLng: LatLng, latLng: toLatLng, LatLngBounds: LatLngBounds, latLngBounds: toLatLngBounds,
  Projection: {SphericalMercator: SphericalMercator}, CRS: CRS,
  PosAnimation: PosAnimation, DomEvent: DomEvent, DomUtil: DomUtil, Draggable: Draggable,
  Layer: Layer, LayerGroup: LayerGroup, layerGroup: layerGroup,
  FeatureGroup: FeatureGroup, featureGroup: featureGroup,
  DivOverlay: DivOverlay, Popup: Popup, popup: popup, Tooltip: Tooltip, tooltip: tooltip,
  Icon: Icon, icon: icon, DivIcon: DivIcon, divIcon: divIcon, Marker: Marker, marker: marker,
  Renderer: Renderer, Canvas: Canvas, canvas: canvas, SVG: SVG, svg: svg, Path: Path,
  Polyline: Polyline, polyline: polyline, Polygon: Polygon, polygon: polygon,
  Rectangle: Rectangle, rectangle: rectangle,
  Map: Map, map: createMap, Control: Control, control: control
};
var previous = window.L;
L.noConflict = function () {
  window.L = previous;
  return this;
};
window.L = L;
