//! Feeders: CSV files read whole at load time (header row = column names), so a missing file, an
//! empty one or a ragged row is a load error and the engine only indexes rows.

use std::path::{Path, PathBuf};

use super::plan::{Feeder, FeederOrder};

/// Reads a feeder's CSV file; the error is a sentence saying what is wrong with the file.
pub(crate) fn read_feeder(name: &str, path: &Path, order: FeederOrder) -> Result<Feeder, String> {
    let shown = path.display();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| match e.kind() {
            csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                format!("feeder file '{shown}' does not exist (paths are relative to the scenario file's directory)")
            }
            _ => format!("cannot read feeder file '{shown}': {e}"),
        })?;
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header row of '{shown}': {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    if columns.iter().all(String::is_empty) {
        return Err(format!(
            "feeder file '{shown}' has no header row: the first line must name the columns"
        ));
    }
    if let Some(blank) = columns.iter().position(String::is_empty) {
        return Err(format!(
            "column {} of '{shown}' has no name in the header row",
            blank + 1
        ));
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].contains(c) {
            return Err(format!(
                "column `{c}` appears twice in the header row of '{shown}'"
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("bad row in '{shown}': {e}"))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    if rows.is_empty() {
        return Err(format!(
            "feeder file '{shown}' has a header row but no data rows"
        ));
    }
    Ok(Feeder {
        name: name.to_string(),
        path: PathBuf::from(path),
        columns,
        rows,
        order,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_rows_and_rejects_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let good = write(
            dir.path(),
            "u.csv",
            "email, password\na@x.io,pw1\nb@x.io,pw2\n",
        );
        let f = read_feeder("users", &good, FeederOrder::Random).unwrap();
        assert_eq!(f.columns, ["email", "password"]);
        assert_eq!(f.rows[1], ["b@x.io", "pw2"]);

        let missing = read_feeder("u", &dir.path().join("nope.csv"), FeederOrder::Random);
        assert!(missing.unwrap_err().contains("does not exist"));
        let empty = write(dir.path(), "e.csv", "email\n");
        assert!(
            read_feeder("u", &empty, FeederOrder::Random)
                .unwrap_err()
                .contains("no data rows")
        );
        let ragged = write(dir.path(), "r.csv", "a,b\n1,2\n3\n");
        assert!(
            read_feeder("u", &ragged, FeederOrder::Random)
                .unwrap_err()
                .contains("bad row")
        );
        let dup = write(dir.path(), "d.csv", "a,a\n1,2\n");
        assert!(
            read_feeder("u", &dup, FeederOrder::Random)
                .unwrap_err()
                .contains("twice")
        );
    }
}
