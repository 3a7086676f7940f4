"""Reads an .rpm's main header (name, version, requires, files) without the rpm tool, from
the documented file format: a 96-byte lead, the signature header (padded to 8 bytes), then
the main header; each header is a magic, an index of (tag, type, offset, count) and a store."""

from __future__ import annotations

import struct
from pathlib import Path

MAGIC = b"\x8e\xad\xe8\x01"
TAGS = {1000: "name", 1001: "version", 1002: "release", 1049: "requires", 1116: "dirindexes",
        1117: "basenames", 1118: "dirnames"}


def _header(data: bytes, at: int) -> tuple[dict[int, object], int]:
    if data[at:at + 4] != MAGIC:
        raise ValueError(f"no RPM header at byte {at}")
    count, size = struct.unpack(">II", data[at + 8:at + 16])
    index = at + 16
    store = index + 16 * count
    out: dict[int, object] = {}
    for i in range(count):
        tag, kind, offset, n = struct.unpack(">iiii", data[index + 16 * i:index + 16 * (i + 1)])
        start = store + offset
        if kind == 6:  # STRING
            out[tag] = data[start:data.index(b"\0", start)].decode()
        elif kind in (8, 9):  # STRING_ARRAY, I18NSTRING
            items, p = [], start
            for _ in range(n):
                end = data.index(b"\0", p)
                items.append(data[p:end].decode())
                p = end + 1
            out[tag] = items
        elif kind == 4:  # INT32
            out[tag] = list(struct.unpack(f">{n}i", data[start:start + 4 * n]))
    return out, store + size


def read(path: Path) -> dict[str, object]:
    data = path.read_bytes()
    if data[:4] != b"\xed\xab\xee\xdb":
        raise ValueError(f"{path} is not an RPM (bad lead)")
    _, end = _header(data, 96)
    end += (8 - end % 8) % 8  # the signature header is padded to 8 bytes
    main, _ = _header(data, end)
    info = {TAGS[t]: v for t, v in main.items() if t in TAGS}
    dirs, bases, idx = info.get("dirnames", []), info.get("basenames", []), info.get("dirindexes", [])
    info["files"] = [dirs[i] + b for i, b in zip(idx, bases)]  # type: ignore[index,operator]
    return info


if __name__ == "__main__":
    import sys
    h = read(Path(sys.argv[1]))
    print(h["name"], h["version"], h["release"])
    print("Requires:", ", ".join(h.get("requires", [])))  # type: ignore[arg-type]
    print(len(h["files"]), "files")  # type: ignore[arg-type]
