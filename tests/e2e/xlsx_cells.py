"""Read an .xlsx with the standard library alone (zipfile + XML), independently of mplan and
of libxlsxwriter, and print what a spreadsheet would show: one line per cell,
    SHEET<TAB>REF<TAB>TYPE<TAB>VALUE<TAB>FORMAT<TAB>FILL
TYPE n (number), s (text), b (boolean); FORMAT the cell's number format code ("General"
when none); FILL its background colour (RRGGBB) or "-". Then a line per sheet with a
frozen pane: SHEET<TAB>frozen<TAB>TOP-LEFT-CELL. Usage: python3 xlsx_cells.py BOOK.xlsx"""
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# ECMA-376 18.8.30: the built-in number formats a file may use without declaring them
BUILTIN = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 14: "m/d/yyyy"}


def main(path):
    z = zipfile.ZipFile(path)
    strings = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            strings.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    fmts = dict(BUILTIN)
    for nf in styles.findall("m:numFmts/m:numFmt", NS):
        fmts[int(nf.get("numFmtId"))] = nf.get("formatCode")
    fills = []
    for f in styles.findall("m:fills/m:fill", NS):
        fg = f.find("m:patternFill/m:fgColor", NS)
        fills.append(fg.get("rgb")[-6:] if fg is not None and fg.get("rgb") else "-")
    xfs = [(int(x.get("numFmtId", 0)), int(x.get("fillId", 0)))
           for x in styles.findall("m:cellXfs/m:xf", NS)]
    book = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = sys.stdout
    for sh in book.findall("m:sheets/m:sheet", NS):
        name = sh.get("name")
        xml = ET.fromstring(z.read("xl/" + target[sh.get(REL)]))
        for c in xml.iter("{%s}c" % NS["m"]):
            v = c.find("m:v", NS)
            if v is None:
                continue
            t = c.get("t", "n")
            val = strings[int(v.text)] if t == "s" else v.text
            fid, fill = xfs[int(c.get("s", 0))]
            out.write("%s\t%s\t%s\t%s\t%s\t%s\n" % (name, c.get("r"), "s" if t in ("s", "str", "inlineStr") else t,
                                                  val.replace("\t", " ").replace("\n", " "),
                                                  fmts.get(fid, "?%d" % fid), fills[fill] if fill < len(fills) else "-"))
        pane = xml.find("m:sheetViews/m:sheetView/m:pane", NS)
        if pane is not None and pane.get("state") == "frozen":
            out.write("%s\tfrozen\t%s\n" % (name, pane.get("topLeftCell")))


if __name__ == "__main__":
    main(sys.argv[1])
