//! The layer index: per-layer entries read from tar streams, and the merged (overlay) view.
//!
//! **No file content is kept** but the bounded package documents of [`capture`]: regular
//! files are hashed as they stream past.

pub mod capture;
pub mod entry;
pub mod layer;
pub mod merged;
pub mod path;
pub mod pkgdb;

pub use capture::{ContentHint, DocContent, DocKind, Document, Keep};
pub use entry::{content_digest, ContentDigest, Entry, EntryKind, EntryRef, OwnedEntry};
pub use layer::{index_tar, IndexError, LayerIndex};
pub use merged::{Change, MergedTree, NodeId, Origin, ROOT};
