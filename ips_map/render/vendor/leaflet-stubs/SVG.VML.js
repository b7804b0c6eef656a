// ips-map: in place of Leaflet's SVG.VML module (Internet Explorer 8's vector drawing).
// SVG.js takes these only where Browser.vml is true: never in a browser with SVG.
export var vmlCreate;
export var vmlMixin = {};
