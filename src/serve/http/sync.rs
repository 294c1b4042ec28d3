//! Why the live policy may be shared by the server's threads.
//!
//! axum runs handlers on every core, so the state they share (the [`LivePolicy`] and each
//! [`Loaded`] version) must be `Send + Sync`, and so must the store's futures, which borrow a
//! `&Loaded` across their awaits. What stops the compiler from seeing it is the pool of
//! [`Decider`](crate::run::Decider)s in a `Loaded`: a compiled Rhai engine holds `Rc`s
//! (Rhai without its `sync` feature) and so is not `Send`.
//!
//! SAFETY: every `Rc` inside a `Decider` is created by that decider's own engine
//! (`script::Runtime` makes its sink with `Rc::default()` and compiles its own scripts) and is
//! never cloned out of it; the policy and context it borrows are `Sync` (asserted below, and
//! relied on by the streaming run, which decides on every core). A `Loaded` hands a decider to
//! one request at a time through its mutex (popped, used, pushed back), so a decider is only
//! ever moved whole between threads, never used by two at once; moving a self-contained `Rc`
//! graph whole is sound. The rest of a `Loaded` (its `Setup`, its `loaded_at`) is `Sync`.
//!
//! To remove: give `Loaded` a pool that is `Send` by construction (Rhai's `sync` feature and
//! an `Arc` sink in `policy/script.rs`, or one pool per thread), in `serve/live.rs`.

use crate::serve::live::Loaded;

// SAFETY: see the module note.
unsafe impl Send for Loaded {}
// SAFETY: see the module note.
unsafe impl Sync for Loaded {}

/// What the note relies on, checked by the compiler.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    const fn sent<T: Send>() {}
    shared::<crate::run::Setup<'static>>();
    shared::<crate::policy::Policy>();
    sent::<crate::run::Decided>();
    sent::<crate::client::Reject>();
};
