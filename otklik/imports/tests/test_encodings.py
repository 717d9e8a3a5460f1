"""A CSV's encoding is decided from its bytes (issue 12): each shape real exports come in, written as bytes here.

A Windows-1252 file from an English or European shop used to be read as Windows-1251 and its names stored as
Cyrillic mojibake; bytes that fit both code pages equally are refused, never guessed.
"""

import codecs

import pytest

from otklik.cli import main
from otklik.customers.models import Customer, Product
from otklik.imports.readers import FileError, detect_format, read_rows

ENGLISH = [
    "InvoiceNo,InvoiceDate,CustomerID,CustomerName,StockCode,Description,Quantity,UnitPrice",
    "536365,2025-03-01 08:26,17850,Müller,85123A,Café crème,6,£12.50",
    "536366,2025-03-01 08:28,17851,Zoë Brontë,71053,naïve tea set,2,3.39",
    "536367,2025-03-02 09:01,17852,Jürgen Größ,84406B,Crème brûlée dish,8,2.75",
]
LONG_ENGLISH = [ENGLISH[0], *ENGLISH[1:] * 70]
FRENCH = [
    "Numéro;Client;Produit;Prix",
    "1;François Lefèvre;Pâté à l'ail;3,50 €",
    "2;Hélène Bérubé;Crêpe façon Noël;2,10 €",
]
GERMAN = ["Nummer;Kunde;Artikel;Preis", "1;Jürgen Größ;Müsli Bärenstark;3,50 €", "2;Björn Weiß;Weißbier süß;2,10 €"]
RUSSIAN = [
    "Номер;Дата;Покупатель;Номенклатура;Количество;Сумма",
    *[f"{i};01.03.2025;Иванов Пётр;Молоко пастеризованное 3,2%;{i % 5 + 1};{i * 10},50" for i in range(1, 200)],
]
UKRAINIAN = ["Номер;Покупець;Товар;Сума", "1;Ґудзь Євгенія;Їжа для кішок;10,50", "2;Ірина Ющенко;Ґрунт для квітів;5,00"]


def written(tmp_path, lines: list[str], encoding: str, *, bom: bytes = b"") -> tuple:
    path = tmp_path / "export.csv"
    path.write_bytes(bom + "".join(line + "\r\n" for line in lines).encode(encoding))
    fmt = detect_format(path)
    return fmt, [values for _number, values in read_rows(path, fmt)]


@pytest.mark.parametrize("lines", [LONG_ENGLISH, ENGLISH, FRENCH, GERMAN], ids=["english", "short", "french", "german"])
def test_a_windows_1252_export_is_read_as_such_not_as_cyrillic(tmp_path, lines):
    fmt, rows = written(tmp_path, lines, "cp1252")
    assert fmt.encoding == "cp1252" and "CP1252" in fmt.describe()
    assert [";".join(row) if len(row) > 1 else row[0] for row in rows][1:] == [
        line.replace(",", ";") if fmt.delimiter == "," else line for line in lines[1:]
    ]


def test_english_names_in_windows_1252_keep_their_accents_and_pound_signs(tmp_path):
    _fmt, rows = written(tmp_path, ENGLISH, "cp1252")
    assert rows[1][3:8:2] == ["Müller", "Café crème", "£12.50"] and rows[2][5] == "naïve tea set"


@pytest.mark.parametrize("lines", [RUSSIAN, RUSSIAN[:10], UKRAINIAN], ids=["1c", "short", "ukrainian"])
def test_a_windows_1251_export_is_still_read_as_such(tmp_path, lines):
    fmt, rows = written(tmp_path, lines, "cp1251")
    assert (fmt.encoding, fmt.delimiter) == ("cp1251", ";")
    assert rows == [line.split(";") for line in lines]


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-8", b"", "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("utf-16-le", b"", "utf-16-le"),
        ("utf-16-be", b"", "utf-16-be"),
    ],
    ids=["utf-8-bom", "utf-8", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "utf-16-be"],
)
@pytest.mark.parametrize("lines", [ENGLISH, UKRAINIAN], ids=["english", "ukrainian"])
def test_unicode_exports_are_read_with_or_without_a_bom(tmp_path, encoding, bom, expected, lines):
    lines = [line.replace(",", "\t").replace(";", "\t") for line in lines]  # Excel's "Unicode text" is tabbed
    fmt, rows = written(tmp_path, lines, encoding, bom=bom)
    assert (fmt.encoding, fmt.delimiter) == (expected, "\t")
    assert rows == [line.split("\t") for line in lines]


def test_bytes_that_fit_both_code_pages_are_refused_naming_the_encodings_tried(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"code;name\r\n1;\xff\xfe\xfd\xfc\r\n")  # "яюэь" or "ÿþýü": nothing tells which
    with pytest.raises(FileError, match="UTF-8, UTF-16, Windows-1251, Windows-1252"):
        detect_format(path)


def test_punctuation_that_both_code_pages_share_is_read_without_asking(tmp_path):
    fmt, rows = written(tmp_path, ["code;note", "1;It’s “fine” – really"], "cp1252")
    assert rows[1] == ["1", "It’s “fine” – really"]


@pytest.fixture
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


@pytest.mark.usefixtures("_keep_the_test_connection")
def test_the_command_stores_an_english_shops_names_as_written(world, tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_bytes("\r\n".join(ENGLISH).encode("cp1252"))
    main(["import", "purchases", str(path), "--org", "acme"])
    assert "CP1252" in capsys.readouterr().out
    assert set(Product.objects.values_list("name", flat=True)) == {"Café crème", "naïve tea set", "Crème brûlée dish"}
    assert set(Customer.objects.values_list("name", flat=True)) == {"Müller", "Zoë Brontë", "Jürgen Größ"}
