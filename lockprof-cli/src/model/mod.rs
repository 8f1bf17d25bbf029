//! The model: the queryable profile every output is rendered from.

pub(crate) mod lock;
