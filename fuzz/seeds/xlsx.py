#!/usr/bin/env python3
"""Extra seeds for client_xlsx, written to the folder given as the only argument:
each workbook of tests/fixtures/hostile_input again with its parts stored rather than deflated
(so that a mutation of the bytes is a mutation of the XML), and examples/clients.csv as a
workbook (stored, with shared strings, numbers as numbers, a review date as a date serial),
taking the package parts of far_corner.xlsx."""
import csv, datetime, glob, os, sys, zipfile
from xml.sax.saxutils import escape

OUT = sys.argv[1]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
FIX = os.path.join(ROOT, 'tests', 'fixtures', 'hostile_input')

for path in sorted(glob.glob(os.path.join(FIX, '*.xlsx'))):
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(
            os.path.join(OUT, 'stored-' + os.path.basename(path)), 'w', zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))


def col(i):
    s = ''
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


with open(os.path.join(ROOT, 'examples', 'clients.csv'), newline='', encoding='utf-8') as f:
    rows = list(csv.reader(f))[:12]
strings, index = [], {}
def shared(text):
    if text not in index:
        index[text] = len(strings)
        strings.append(text)
    return index[text]

out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
       '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
       f'<dimension ref="A1:{col(len(rows[0]) - 1)}{len(rows)}"/><sheetData>']
for r, row in enumerate(rows, 1):
    out.append(f'<row r="{r}">')
    for c, value in enumerate(row):
        ref = f'{col(c)}{r}'
        try:
            if r > 1 and rows[0][c] == 'last_review':
                d = datetime.date.fromisoformat(value)
                out.append(f'<c r="{ref}" s="1"><v>{(d - datetime.date(1899, 12, 30)).days}</v></c>')
                continue
            float(value)
            if r > 1:
                out.append(f'<c r="{ref}"><v>{value}</v></c>')
                continue
        except ValueError:
            pass
        out.append(f'<c r="{ref}" t="s"><v>{shared(value)}</v></c>')
    out.append('</row>')
out.append('</sheetData></worksheet>')
sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
       + ''.join(f'<si><t>{escape(s)}</t></si>' for s in strings) + '</sst>')
with zipfile.ZipFile(os.path.join(FIX, 'far_corner.xlsx')) as src, zipfile.ZipFile(
        os.path.join(OUT, 'stored-example-clients.xlsx'), 'w', zipfile.ZIP_STORED) as dst:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == '[Content_Types].xml':
            data = data.replace(b'</Types>', b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        elif info.filename == 'xl/_rels/workbook.xml.rels':
            data = data.replace(b'</Relationships>', b'<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        elif info.filename == 'xl/worksheets/sheet1.xml':
            data = ''.join(out).encode()
        dst.writestr(info.filename, data)
    dst.writestr('xl/sharedStrings.xml', sst)
