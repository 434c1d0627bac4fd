//! Any bytes given to the scenario loader give a scenario or an error with a location,
//! never a panic, a hang or a runaway allocation; a scenario that loads runs one
//! replication with every invariant checked, within a small event budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steelsim::model::{Checks, Replication};
use steelsim::scenario::load_str;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match load_str(text, "fuzz.toml", "fuzz") {
        Err(e) => {
            // Rendering is part of the loader's contract: it must not panic either.
            let _ = e.render(false);
        }
        Ok(mut world) => {
            world.max_events = world.max_events.min(100_000);
            let r = Replication::new(&world, 0, 1, false).with_checks(Checks::Full).run();
            if let Err(e) = r {
                panic!("a scenario that loads broke an invariant: {e}");
            }
        }
    }
});
