//! An acquire site with two flags of the caller's in the low bits of its address (a `Location`
//! holds a `&str`, so it is at least 4-aligned): one word, so that the statistics' key (the site
//! and the lock mode) and a guard's hold token (the site and how the hold is timed) travel in
//! registers, and the one unsafe step back from the word to the site is written once.

use std::panic::Location;

/// A `&'static Location` and two tag bits, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct TaggedSite(usize);

impl TaggedSite {
    /// The tag bits.
    pub(crate) const TAGS: usize = 3;
    /// No site: a placeholder never read as one (an empty record, a free counter slot).
    pub(crate) const NONE: TaggedSite = TaggedSite(0);

    #[inline(always)]
    pub(crate) fn new(site: &'static Location<'static>, tags: usize) -> TaggedSite {
        debug_assert_eq!(tags & !Self::TAGS, 0);
        // Exposed, so `site` may turn the address back into the reference (Miri checks this).
        TaggedSite(std::ptr::from_ref(site).expose_provenance() | tags)
    }

    /// The site.
    #[inline]
    pub(crate) fn site(self) -> &'static Location<'static> {
        debug_assert_ne!(self, Self::NONE);
        // SAFETY: made by `new` from a `&'static Location` (or by `from_word` from what `word`
        // gave), whose alignment leaves the tag bits free; they are cleared here.
        unsafe { &*std::ptr::with_exposed_provenance::<Location<'static>>(self.0 & !Self::TAGS) }
    }

    #[inline(always)]
    pub(crate) fn tags(self) -> usize {
        self.0 & Self::TAGS
    }

    /// The same site with `tag` set too.
    #[inline(always)]
    pub(crate) fn with_tag(self, tag: usize) -> TaggedSite {
        debug_assert_eq!(tag & !Self::TAGS, 0);
        TaggedSite(self.0 | tag)
    }

    /// The word, for the fast path's counter slots to store and compare.
    #[inline(always)]
    pub(crate) fn word(self) -> usize {
        self.0
    }

    /// Back from a word.
    ///
    /// # Safety
    ///
    /// `word` must come from [`TaggedSite::word`], or be 0 ([`TaggedSite::NONE`]).
    #[inline(always)]
    pub(crate) unsafe fn from_word(word: usize) -> TaggedSite {
        TaggedSite(word)
    }
}
