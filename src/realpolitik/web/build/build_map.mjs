// Build the dashboard's world map: country outlines as SVG path strings, projected once at
// development time so the server ships plain data and no mapping library.
//
// Run in a scratch dir outside the repo:
//   npm install world-atlas@2.0.2 d3-geo@3.1.2 topojson-client@3.1.0
//   node build_map.mjs > world-110m.raw.json
//   python build_map.py world-110m.raw.json ../static/world-110m.json   (adds ISO alpha-3 codes)
import { readFileSync } from "node:fs";
import { geoNaturalEarth1, geoPath } from "d3-geo";
import { feature } from "topojson-client";

const topo = JSON.parse(readFileSync("node_modules/world-atlas/countries-110m.json", "utf8"));
const countries = feature(topo, topo.objects.countries);
const width = 960, height = 500;
const projection = geoNaturalEarth1().fitExtent([[4, 4], [width - 4, height - 4]], { type: "Sphere" });
const path = geoPath(projection).digits(1);
const out = {
  width, height,
  sphere: path({ type: "Sphere" }),
  countries: countries.features
    .map((f) => ({ id: f.id ?? null, name: f.properties.name, d: path(f) }))
    .filter((c) => c.d),
};
process.stdout.write(JSON.stringify(out));
