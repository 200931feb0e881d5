//! The seed corpora and the regressions, replayed on a plain `cargo test`:
//! every file of `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/`
//! goes through the same entry as the fuzz target. A crash found by fuzzing
//! is saved into `fuzz/regressions/<target>/` (see `fuzz/README.md`), so it
//! stays a test on every machine.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use blazeauth_fuzz_entry::TARGETS;
use blazeauth_fuzz_entry::seeds::seeds;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_seed_and_regression_replays_without_a_failed_property() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (target, entry) in TARGETS {
        let seeds = files(&fuzz_dir().join("seeds").join(target));
        assert!(
            !seeds.is_empty(),
            "fuzz/seeds/{target}/ is missing or empty"
        );
        let regressions = files(&fuzz_dir().join("regressions").join(target));
        for file in seeds.iter().chain(&regressions) {
            let data = fs::read(file).expect("a readable seed");
            replayed += 1;
            if catch_unwind(AssertUnwindSafe(|| entry(&data))).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "failed: {failures:#?}");
    assert!(replayed > 50, "only {replayed} files replayed");
}

#[test]
fn the_committed_seeds_are_the_ones_built_from_the_docs() {
    let update = std::env::var_os("UPDATE_SEEDS").is_some();
    let built = seeds();
    for (target, _) in TARGETS {
        let dir = fuzz_dir().join("seeds").join(target);
        let expected: Vec<_> = built.iter().filter(|s| s.target == *target).collect();
        assert!(!expected.is_empty(), "no seeds built for {target}");
        if update {
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).expect("create the seed folder");
            for seed in &expected {
                fs::write(dir.join(&seed.name), &seed.bytes).expect("write a seed");
            }
        }
        let committed: Vec<PathBuf> = files(&dir);
        let names: Vec<String> = committed
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let mut wanted: Vec<String> = expected.iter().map(|s| s.name.clone()).collect();
        wanted.sort();
        assert_eq!(
            names, wanted,
            "fuzz/seeds/{target}/ is stale: run UPDATE_SEEDS=1 cargo test -p blazeauth-fuzz-entry"
        );
        for seed in expected {
            assert_eq!(
                fs::read(dir.join(&seed.name)).unwrap(),
                seed.bytes,
                "fuzz/seeds/{target}/{} is stale",
                seed.name
            );
        }
    }
}
