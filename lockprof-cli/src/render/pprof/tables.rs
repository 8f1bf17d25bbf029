//! A pprof profile's tables: strings, functions and locations, each entry written once and
//! referred to by index or id, as the format wants (a thousand samples through one lock share
//! its function and location).

use std::collections::HashMap;

use super::proto::{Function, Line, Location};

/// The string, function and location tables being built.
#[derive(Debug)]
pub(super) struct Tables {
    strings: Vec<String>,
    string_ids: HashMap<String, i64>,
    functions: Vec<Function>,
    function_ids: HashMap<(i64, i64), u64>,
    locations: Vec<Location>,
    location_ids: HashMap<(u64, i64), u64>,
}

impl Default for Tables {
    fn default() -> Self {
        // The format reserves string 0 for the empty string.
        let mut string_ids = HashMap::new();
        string_ids.insert(String::new(), 0);
        Tables {
            strings: vec![String::new()],
            string_ids,
            functions: Vec::new(),
            function_ids: HashMap::new(),
            locations: Vec::new(),
            location_ids: HashMap::new(),
        }
    }
}

impl Tables {
    /// The index of `s` in the string table.
    pub(super) fn string(&mut self, s: &str) -> i64 {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = i64::try_from(self.strings.len()).unwrap_or(i64::MAX);
        self.strings.push(s.to_owned());
        self.string_ids.insert(s.to_owned(), id);
        id
    }

    /// The id of the location of function `name` (in `file`, "" when none) at `line` (0 when
    /// none). A function is one name in one file; a location one line of it.
    pub(super) fn location(&mut self, name: &str, file: &str, line: i64) -> u64 {
        let name = self.string(name);
        let file = self.string(file);
        let next = self.functions.len() as u64 + 1;
        let function_id = *self.function_ids.entry((name, file)).or_insert(next);
        if function_id == next {
            self.functions.push(Function {
                id: function_id,
                name,
                system_name: name,
                filename: file,
                start_line: 0,
            });
        }
        let next = self.locations.len() as u64 + 1;
        let location_id = *self.location_ids.entry((function_id, line)).or_insert(next);
        if location_id == next {
            self.locations.push(Location {
                id: location_id,
                line: vec![Line { function_id, line }],
                ..Location::default()
            });
        }
        location_id
    }

    /// The tables: strings, functions, locations.
    pub(super) fn finish(self) -> (Vec<String>, Vec<Function>, Vec<Location>) {
        (self.strings, self.functions, self.locations)
    }
}
