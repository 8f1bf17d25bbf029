//! The string table: each distinct text is written once as a String record, then referred to by
//! its id.

use std::collections::HashMap;
use std::io::{self, Write};

use crate::trace::{StrId, TraceWriter};

/// Texts defined in the trace so far, by text.
#[derive(Debug, Default)]
pub(super) struct Strings {
    ids: HashMap<Box<str>, StrId>,
}

impl Strings {
    /// The id of `value`, writing its definition first if the trace does not have it.
    pub(super) fn intern<W: Write>(
        &mut self,
        out: &mut TraceWriter<W>,
        value: &str,
    ) -> io::Result<StrId> {
        if let Some(&id) = self.ids.get(value) {
            return Ok(id);
        }
        let id = out.write_string(value)?;
        self.ids.insert(value.into(), id);
        Ok(id)
    }

    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Forgets every definition: texts get a new id, and a new definition, on next use.
    pub(super) fn clear(&mut self) {
        self.ids.clear();
    }
}
