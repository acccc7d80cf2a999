// SPDX-License-Identifier: GPL-2.0

//! `errors=`: what a mount does once it found corrupt metadata (`ocfs2_handle_error`).
//!
//! Wherever corruption is found, it is logged there, naming the block and what is wrong
//! with it, and the operation fails with `EUCLEAN`; every operation's result passes through
//! [`checked`] on its way back to the VFS, so the policy is applied in this one place:
//! - `remount-ro` (the default): the journal is aborted, so nothing changed since the last
//!   commit (a half-done change of the failing operation included) reaches the disk, every
//!   change and fsync fails from then on, and the mount turns read-only (`SB_RDONLY`, unless
//!   frozen or being remounted); the journal stays dirty for the next mount to replay;
//! - `continue`: the error goes back to the caller and the mount carries on;
//! - `panic`: the journal is aborted and the kernel panics, saying why first.
//!
//! Either way the volume is marked as having errors: a read-only mount is not remounted
//! read-write again.

use crate::options::OnError;
use crate::vfs::{NewSuperBlock, SuperBlock};
use crate::volume::Volume;
use crate::{errno, Ocfs2};
use core::fmt;
use core::sync::atomic::Ordering;
use kernel::c_str;
use kernel::prelude::*;

/// Pass `result` through, applying the `errors=` policy if it says corrupt metadata.
pub fn checked<R>(sb: &SuperBlock<Ocfs2>, result: Result<R>) -> Result<R> {
    if let Err(err) = &result {
        if *err == errno::euclean() {
            corruption_found(sb);
        }
    }
    result
}

/// Corrupt metadata was found (and logged where): apply the mount's `errors=` policy.
pub fn corruption_found(sb: &SuperBlock<Ocfs2>) {
    let vol = sb.data();
    let first = !vol.errored.swap(true, Ordering::AcqRel);
    let policy = vol.options().errors;
    if first {
        pr_crit!("{}: corrupt metadata found; run fsck.ocfs2 once the volume is unmounted\n", sb.id());
    }
    if policy == OnError::Continue {
        if first {
            pr_crit!("{}: errors=continue: the mount stays read-write; each failing operation returns the error\n", sb.id());
        }
        return;
    }
    if let Some(writable) = vol.rw.get() {
        if !writable.journal.aborted() {
            writable.journal.abort();
            pr_crit!("{}: the journal is aborted: no change after its last commit reaches the disk\n", sb.id());
        }
    }
    if policy == OnError::Panic {
        sb.panic(c_str!("panic forced after corrupt metadata (errors=panic)"));
    }
    if !sb.read_only() {
        if sb.force_read_only() {
            pr_crit!("{}: the filesystem is now read-only (errors=remount-ro)\n", sb.id());
        } else {
            // Frozen, or being remounted or unmounted: the stopped journal refuses every
            // change all the same.
            pr_crit!("{}: every change now fails with EROFS (errors=remount-ro; the mount is busy, its flags stay)\n", sb.id());
        }
    }
}

/// A change failed (`err`) after part of it went into its transaction, which cannot take
/// it back: the journal is aborted so that no part of it reaches the disk (the next mount
/// replays up to the last commit), and the error goes back.
pub fn change_abandoned(sb: &NewSuperBlock, vol: &Volume, what: fmt::Arguments<'_>, err: Error) -> Error {
    if let Some(writable) = vol.rw.get() {
        if !writable.journal.aborted() {
            writable.journal.abort();
        }
    }
    pr_crit!(
        "{}: {} failed half-way (error {}): the journal is aborted so that none of it reaches the disk; every change now fails with EROFS\n",
        sb.id(),
        what,
        err.to_errno()
    );
    err
}
