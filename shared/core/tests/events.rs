//! Every sample in `events/`: parses, classifies as the independent table in `events/README.md`
//! says, and matches its reviewed snapshot (`tests/snapshots/`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use ecs_triage_core::classify::{assess, Assessment};
use ecs_triage_core::event::parse_event;

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

fn event_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(events_dir())
        .expect("events/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// `| file | expected | why |` rows of events/README.md.
fn expected_table() -> BTreeMap<String, String> {
    let readme = std::fs::read_to_string(events_dir().join("README.md")).expect("events/README.md");
    readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            match cells.as_slice() {
                ["", file, expected, ..] if file.ends_with(".json") => {
                    Some((file.to_string(), expected.to_string()))
                }
                _ => None,
            }
        })
        .collect()
}

fn label(a: &Assessment) -> String {
    match a {
        Assessment::Classified(c) => c.category.label().to_owned(),
        other => other.kind().to_owned(),
    }
}

#[test]
fn there_are_at_least_30_samples_and_each_is_in_the_table() {
    let files = event_files();
    assert!(files.len() >= 30, "only {} sample events", files.len());
    let table = expected_table();
    for f in &files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap();
        assert!(
            table.contains_key(name),
            "{name} has no row in events/README.md"
        );
    }
    assert_eq!(
        table.len(),
        files.len(),
        "the table lists files that do not exist"
    );
}

#[test]
fn every_sample_classifies_as_the_table_says() {
    let table = expected_table();
    let mut wrong = Vec::new();
    for f in event_files() {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap().to_owned();
        let event =
            parse_event(&std::fs::read(&f).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = label(&assess(&event));
        if table.get(&name) != Some(&got) {
            wrong.push(format!(
                "{name}: expected {:?}, got {got}",
                table.get(&name)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_sample_matches_its_snapshot() {
    for f in event_files() {
        let stem = f.file_stem().and_then(|n| n.to_str()).unwrap().to_owned();
        let event = parse_event(&std::fs::read(&f).unwrap()).unwrap();
        insta::assert_json_snapshot!(stem, assess(&event));
    }
}
