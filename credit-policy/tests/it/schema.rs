//! Schema files and CSVs that do not match them: each error names what is wrong and where.

use std::io::Write;

use ccr_credit_policy::data::{encode_row, DataError};
use ccr_credit_policy::schema::{FieldError, SchemaError};
use ccr_credit_policy::{Schema, Table};

use crate::common::german_schema;

const GOOD_SCHEMA: &str = r#"{"name": "t", "label": {"column": "y", "bad": "1", "good": "0"},
  "features": [
    {"name": "amount", "type": "numeric", "clamp": [0, 100]},
    {"name": "kind", "type": "categorical", "categories": ["a", "b"]}
  ]}"#;

fn schema_err(json: &str) -> SchemaError {
    Schema::from_json(json).expect_err("schema must be rejected")
}

#[test]
fn german_schema_has_the_reference_inputs() {
    let s = german_schema();
    assert_eq!(s.features.len(), 20);
    // 7 numeric + 56 one-hot (the 54 categories that occur, plus A47 and A95 that do not).
    assert_eq!(s.n_inputs(), 63);
    assert_eq!(s.numeric_inputs().iter().filter(|&&n| n).count(), 7);
    assert_eq!(s.label.column, "bad");
}

#[test]
fn malformed_json_names_line_and_column() {
    let e = schema_err("{\"name\": \"t\",\n \"label\": 3 }");
    let msg = e.to_string();
    assert!(matches!(e, SchemaError::Json { .. }), "{msg}");
    assert!(msg.contains("line 2"), "{msg}");
}

#[test]
fn unknown_feature_type_is_rejected() {
    let e = schema_err(&GOOD_SCHEMA.replace("\"numeric\"", "\"float\""));
    assert!(e.to_string().contains("float"), "{e}");
}

#[test]
fn inconsistent_schemas_are_rejected_with_the_culprit() {
    let dup = GOOD_SCHEMA.replace("\"kind\"", "\"amount\"");
    assert!(matches!(schema_err(&dup), SchemaError::DuplicateFeature(f) if f == "amount"));
    let label = GOOD_SCHEMA.replace("\"column\": \"y\"", "\"column\": \"kind\"");
    assert!(matches!(schema_err(&label), SchemaError::LabelIsFeature(f) if f == "kind"));
    let same = GOOD_SCHEMA.replace("\"good\": \"0\"", "\"good\": \"1\"");
    assert!(matches!(schema_err(&same), SchemaError::SameLabelValues(v) if v == "1"));
    let empty = GOOD_SCHEMA.replace("[\"a\", \"b\"]", "[]");
    assert!(matches!(schema_err(&empty), SchemaError::NoCategories(f) if f == "kind"));
    let twice = GOOD_SCHEMA.replace("[\"a\", \"b\"]", "[\"a\", \"a\"]");
    assert!(matches!(schema_err(&twice), SchemaError::DuplicateCategory { feature, category }
        if feature == "kind" && category == "a"));
    let inverted = GOOD_SCHEMA.replace("[0, 100]", "[100, 0]");
    assert!(matches!(schema_err(&inverted), SchemaError::ClampInverted { lo: 100, hi: 0, .. }));
    let none = r#"{"name": "t", "label": {"column": "y", "bad": "1", "good": "0"}, "features": []}"#;
    assert!(matches!(schema_err(none), SchemaError::NoFeatures));
}

fn read_csv(text: &str) -> Result<Table, DataError> {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(text.as_bytes()).expect("write csv");
    let schema = Schema::from_json(GOOD_SCHEMA).expect("schema");
    Table::read(f.path(), &schema, true)
}

#[test]
fn csv_matching_the_schema_encodes_one_hot_and_clamps() {
    let t = read_csv("id,kind,amount,y\n7,b,250,1\n8,a,-3,0\n").expect("valid csv");
    assert_eq!(t.inputs, vec![vec![100, 0, 1], vec![0, 1, 0]]);
    assert_eq!(t.bad, Some(vec![true, false]));
    assert_eq!(t.lines, vec![2, 3]);
}

#[test]
fn csv_errors_name_row_and_column() {
    let e = read_csv("amount,kind,y\n5,a,0\n6,c,1\n").expect_err("unknown category");
    assert!(
        matches!(&e, DataError::Field { line: 3, column, reason: FieldError::UnknownCategory { .. }, .. }
        if column == "kind"),
        "{e}"
    );
    assert!(e.to_string().contains("line 3, column `kind`"), "{e}");

    let e = read_csv("amount,kind,y\n5,a,0\n6,b,1\n7.5,a,0\n").expect_err("not an integer");
    assert!(
        matches!(&e, DataError::Field { line: 4, column, reason: FieldError::NotInteger(v), .. }
        if column == "amount" && v == "7.5"),
        "{e}"
    );

    // Integers as spreadsheets export them are integers; a non-integral value is still refused.
    let t = read_csv("amount,kind,y\n5.00E+01,a,0\n12.0,b,1\n").expect("spreadsheet integers");
    assert_eq!(t, read_csv("amount,kind,y\n50,a,0\n12,b,1\n").expect("plain integers"));

    let e = read_csv("amount,y\n5,0\n").expect_err("missing column");
    assert!(matches!(&e, DataError::MissingColumn { column, .. } if column == "kind"), "{e}");

    let e = read_csv("amount,kind,y\n5,a,maybe\n").expect_err("bad label");
    assert!(matches!(&e, DataError::Label { line: 2, value, .. } if value == "maybe"), "{e}");

    let e = read_csv("amount,kind\n5,a\n").expect_err("training needs the label");
    assert!(matches!(&e, DataError::NoLabel { column, .. } if column == "y"), "{e}");

    let e = read_csv("amount,kind,y\n").expect_err("no rows");
    assert!(matches!(&e, DataError::Empty { .. }), "{e}");

    let e = read_csv("amount,kind,y\n5,a,0\n6,b\n").expect_err("short record");
    assert!(matches!(&e, DataError::Csv { .. }), "{e}");
    assert!(e.to_string().contains("line: 3"), "{e}");
}

#[test]
fn integers_parse_as_spreadsheets_write_them() {
    use ccr_credit_policy::schema::parse_integral;
    for (text, v) in [
        ("500000", 500_000),
        ("5.00E+05", 500_000),
        ("5e5", 500_000),
        ("12.0", 12),
        ("-3.00", -3),
        ("+7", 7),
        ("1.25E2", 125),
        ("1250e-1", 125),
        ("0.0", 0),
        ("0e400", 0),
        ("9223372036854775807", i64::MAX),
        ("-9.223372036854775808E18", i64::MIN),
    ] {
        assert_eq!(parse_integral(text), Some(v), "{text}");
    }
    for text in ["7.5", "1e-1", "1,000", "", ".", "-", "e5", "1e", "9.3E18", "1e20", "1.2.3", "0x10", " 5"] {
        assert_eq!(parse_integral(text), None, "{text}");
    }
}

#[test]
fn single_rows_are_checked_against_the_schema() {
    let schema = Schema::from_json(GOOD_SCHEMA).expect("schema");
    assert_eq!(encode_row(&schema, "42, a").expect("valid row"), vec![42, 1, 0]);
    let e = encode_row(&schema, "42").expect_err("too short");
    assert!(matches!(e, DataError::RowWidth { got: 1, expected: 2, .. }));
    let e = encode_row(&schema, "x,a").expect_err("not an integer");
    assert!(matches!(&e, DataError::RowField { index: 1, column, .. } if column == "amount"), "{e}");
}
