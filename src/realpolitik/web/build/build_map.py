"""Second step of the map build: ISO 3166-1 numeric ids of world-atlas -> alpha-3 codes.

Usage: python build_map.py world-110m.raw.json ../static/world-110m.json
Natural Earth shapes without an ISO number (Kosovo, Northern Cyprus, Somaliland) get the codes
realpolitik uses (Kosovo: XKX, as in actors/data/countries.tsv) or none.
"""

from __future__ import annotations

import json
import sys

import pycountry

NO_ISO_NUMBER = {"Kosovo": "XKX"}


def main(src: str, dst: str) -> None:
    raw = json.load(open(src, encoding="utf-8"))
    out = []
    for c in raw["countries"]:
        iso3 = None
        if c["id"]:
            found = pycountry.countries.get(numeric=str(c["id"]).zfill(3))
            iso3 = found.alpha_3 if found else None
        iso3 = iso3 or NO_ISO_NUMBER.get(c["name"])
        out.append({"iso3": iso3, "name": c["name"], "d": c["d"]})
    data = {"width": raw["width"], "height": raw["height"], "sphere": raw["sphere"], "countries": out}
    with open(dst, "w", encoding="utf-8") as fh:
        json.dump(data, fh, separators=(",", ":"), ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
