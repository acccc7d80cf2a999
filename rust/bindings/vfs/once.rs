// SPDX-License-Identifier: GPL-2.0

//! [`SetOnce`]: mount state that exists only once the mount is far enough along (the
//! journal needs the mounted superblock to read its inode), set once and read without locks.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicU8, Ordering};

const EMPTY: u8 = 0;
const WRITING: u8 = 1;
const READY: u8 = 2;

/// A value set at most once, then shared read-only.
pub struct SetOnce<T> {
    state: AtomicU8,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: the value is written by exactly one thread (the one that wins `EMPTY -> WRITING`)
// before `READY` is published with release ordering; readers see it only after an acquire
// load of `READY`, and only through `&T`.
unsafe impl<T: Send + Sync> Sync for SetOnce<T> {}
// SAFETY: moving the container moves the value.
unsafe impl<T: Send> Send for SetOnce<T> {}

impl<T> SetOnce<T> {
    /// Empty.
    pub const fn new() -> Self {
        Self { state: AtomicU8::new(EMPTY), value: UnsafeCell::new(MaybeUninit::uninit()) }
    }

    /// Set the value; gives it back if one was set already.
    pub fn set(&self, value: T) -> Result<(), T> {
        if self.state.compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Relaxed).is_err() {
            return Err(value);
        }
        // SAFETY: winning the exchange makes us the only writer, and no reader looks at the
        // value before `READY`.
        unsafe { (*self.value.get()).write(value) };
        self.state.store(READY, Ordering::Release);
        Ok(())
    }

    /// The value, once set.
    pub fn get(&self) -> Option<&T> {
        if self.state.load(Ordering::Acquire) == READY {
            // SAFETY: `READY` is stored after the value was written, and it never changes
            // again while `self` is shared.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
    }

    /// The value, taken out.
    pub fn into_inner(mut self) -> Option<T> {
        if *self.state.get_mut() != READY {
            return None;
        }
        *self.state.get_mut() = EMPTY;
        // SAFETY: `READY`: the value is initialised; the state now says it is gone, so
        // `drop` will not drop it again.
        Some(unsafe { self.value.get_mut().assume_init_read() })
    }
}

impl<T> Drop for SetOnce<T> {
    fn drop(&mut self) {
        if *self.state.get_mut() == READY {
            // SAFETY: initialised, and dropped once.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}
