// SPDX-License-Identifier: GPL-2.0

//! Safe configfs: a subsystem, groups that carry Rust data, and attributes.
//!
//! A configfs directory is a [`Group<T>`]: the C `config_group` followed by the Rust data `T`.
//! A group is built as a [`GroupBox`] and handed to configfs (from `mkdir` or as a default
//! group); from then on configfs owns it, and its item `release` frees it when the last
//! reference goes. Item types and attributes are `static`s declared with
//! [`configfs_item_type!`] and [`configfs_attribute!`], so configfs can pin this module while
//! any of its directories exist.
//!
//! The crate root must declare this file as `mod configfs` (the macros name `$crate::configfs`)
//! and the generated C bindings as `mod bindings`.

use crate::bindings as c;
use core::{cell::UnsafeCell, fmt, marker::PhantomData, ptr::NonNull};
use kernel::{
    alloc::{flags::GFP_KERNEL, KBox},
    error::{code::*, Error, Result},
    ffi::c_char,
    str::CStr,
    types::Opaque,
};

extern "C" {
    /// This module's `struct module`, defined by modpost. configfs takes a reference on it for
    /// every directory it creates, so the module cannot go while one exists.
    pub static __this_module: Opaque<c::module>;
}

/// The address of this module's `struct module`, for the `static`s the macros declare.
#[macro_export]
macro_rules! configfs_this_module {
    () => {
        // SAFETY: modpost defines `__this_module` in every module; only its address is taken.
        unsafe { $crate::configfs::__this_module.get() }
    };
}

/// Data carried by a configfs group.
pub trait GroupData: Send + Sync + Sized + 'static {
    /// The item type of groups carrying this data, declared with [`configfs_item_type!`].
    fn item_type() -> &'static ItemType;
}

/// Group data whose directory accepts `mkdir`, each making a child group.
pub trait MakeGroup: GroupData {
    /// What `mkdir` in this group makes.
    type Child: GroupData;

    /// `mkdir NAME` in this group's directory. An error is returned to `mkdir(2)`.
    fn make_group(&self, name: &CStr) -> Result<GroupBox<Self::Child>>;

    /// `rmdir` of a child, just before configfs lets go of it.
    fn drop_group(&self, _child: &Self::Child) {}
}

/// One attribute file of groups carrying `T`.
pub trait AttributeOps<T> {
    /// Whether writes are allowed (mode 0644) or not (0444).
    const WRITABLE: bool = true;

    /// Reading the file: write the contents into `out` (one page at most).
    fn show(data: &T, out: &mut PageWriter<'_>) -> Result;

    /// Writing the file; the input is what `write(2)` passed, trailing newline included.
    fn store(_data: &T, _input: &[u8]) -> Result {
        Err(EPERM)
    }
}

/// The page an attribute's `show` fills, as a [`fmt::Write`] target.
pub struct PageWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for PageWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A configfs directory: the C group, then the Rust data.
///
/// `repr(C)` keeps `raw` at offset 0, which is how the trampolines find a `Group<T>` from the
/// `config_item`/`config_group` pointer configfs passes them (`cg_item` is the first field of
/// `config_group`).
#[repr(C)]
pub struct Group<T> {
    raw: Opaque<c::config_group>,
    data: T,
}

impl<T> Group<T> {
    /// The Rust data of this group.
    pub fn data(&self) -> &T {
        &self.data
    }
}

/// A group built but not yet given to configfs.
///
/// Dropping it drops the initial reference, which frees it and any default groups added to it.
pub struct GroupBox<T: GroupData> {
    group: NonNull<Group<T>>,
}

// SAFETY: a `GroupBox` owns its group like a `KBox` does; `T` is `Send + Sync`.
unsafe impl<T: GroupData> Send for GroupBox<T> {}

impl<T: GroupData> GroupBox<T> {
    /// Allocate a group named `name` carrying `data`.
    pub fn new(name: &CStr, data: T) -> Result<Self> {
        let boxed = KBox::new(
            Group {
                raw: Opaque::new(c::config_group::default()),
                data,
            },
            GFP_KERNEL,
        )?;
        let group = KBox::into_raw(boxed);
        // SAFETY: `group` was just allocated and is not shared; `name` is NUL-terminated and
        // copied by configfs; the item type is a `static`. The group is never moved again.
        unsafe {
            c::config_group_init_type_name((*group).raw.get(), name.as_char_ptr(), T::item_type().as_ptr())
        };
        // `KBox::into_raw` never returns null.
        let group = NonNull::new(group).ok_or(ENOMEM)?;
        Ok(Self { group })
    }

    /// The data of the group.
    pub fn data(&self) -> &T {
        // SAFETY: the group is alive while `self` holds its initial reference.
        unsafe { &self.group.as_ref().data }
    }

    /// Make `child` a default group: a subdirectory that exists as long as this group does.
    pub fn add_default_group<C: GroupData>(&mut self, child: GroupBox<C>) {
        let child = child.into_raw();
        // SAFETY: both groups are initialised; the parent's release drops the child's
        // reference (through `configfs_remove_default_groups`), so the child is not leaked.
        unsafe { c::ocfs_configfs_add_default_group(child, self.group.as_ref().raw.get()) };
    }

    /// Give up ownership: the initial reference now belongs to configfs.
    fn into_raw(self) -> *mut c::config_group {
        let raw = Opaque::raw_get(self.group.as_ptr().cast_const().cast::<Opaque<c::config_group>>());
        core::mem::forget(self);
        raw
    }
}

impl<T: GroupData> Drop for GroupBox<T> {
    fn drop(&mut self) {
        // SAFETY: we hold the initial reference; dropping it calls `release::<T>`.
        unsafe { c::config_item_put(self.group.as_ref().raw.get().cast::<c::config_item>()) };
    }
}

/// A configfs subsystem: the top directory under `/sys/kernel/config`, carrying `T`.
#[repr(C)]
pub struct Subsystem<T> {
    raw: Opaque<c::configfs_subsystem>,
    data: T,
}

/// A registered subsystem; unregistered on drop.
pub struct Registration<T: MakeGroup> {
    subsys: NonNull<Subsystem<T>>,
    _owns: PhantomData<KBox<Subsystem<T>>>,
}

// SAFETY: the registration owns the subsystem like a `KBox`; `T` is `Send + Sync`.
unsafe impl<T: MakeGroup> Send for Registration<T> {}
// SAFETY: shared access only reads `T`, which is `Sync`.
unsafe impl<T: MakeGroup> Sync for Registration<T> {}

impl<T: MakeGroup> Registration<T> {
    /// Register `/sys/kernel/config/<name>`. `T::item_type()` must come from
    /// `configfs_item_type!(... subsystem ...)`.
    pub fn register(name: &'static CStr, data: T) -> Result<Self> {
        let boxed = KBox::new(
            Subsystem {
                raw: Opaque::new(c::configfs_subsystem::default()),
                data,
            },
            GFP_KERNEL,
        )?;
        let subsys = KBox::into_raw(boxed);
        // SAFETY: `subsys` is freshly allocated and never moves; `name` and the item type are
        // `'static`.
        let ret = unsafe {
            c::ocfs_configfs_subsystem_init((*subsys).raw.get(), name.as_char_ptr(), T::item_type().as_ptr());
            c::configfs_register_subsystem((*subsys).raw.get())
        };
        if ret != 0 {
            // SAFETY: registration failed, so configfs holds no pointer to it.
            drop(unsafe { KBox::from_raw(subsys) });
            return Err(Error::from_errno(ret));
        }
        let subsys = NonNull::new(subsys).ok_or(ENOMEM)?;
        Ok(Self { subsys, _owns: PhantomData })
    }

    /// The subsystem's data.
    pub fn data(&self) -> &T {
        // SAFETY: the subsystem lives until `drop`.
        unsafe { &self.subsys.as_ref().data }
    }
}

impl<T: MakeGroup> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `register`; configfs refuses to unload us while children exist
        // (it pins the module), so after unregistering nothing refers to the subsystem.
        unsafe {
            c::configfs_unregister_subsystem(self.subsys.as_ref().raw.get());
            drop(KBox::from_raw(self.subsys.as_ptr()));
        }
    }
}

/// Where the Rust data sits relative to the `config_group` configfs hands us.
trait Layout<T> {
    /// # Safety
    /// `group` must be the `config_group` of a live `Self` carrying `T`.
    unsafe fn data<'a>(group: *mut c::config_group) -> &'a T;
}

impl<T> Layout<T> for Group<T> {
    unsafe fn data<'a>(group: *mut c::config_group) -> &'a T {
        // SAFETY: `Group<T>` is `repr(C)` with the group at offset 0 (caller's guarantee).
        unsafe { &(*group.cast::<Group<T>>()).data }
    }
}

impl<T> Layout<T> for Subsystem<T> {
    unsafe fn data<'a>(group: *mut c::config_group) -> &'a T {
        // SAFETY: `su_group` is the first field of `configfs_subsystem`, itself at offset 0 of
        // the `repr(C)` `Subsystem<T>` (caller's guarantee).
        unsafe { &(*group.cast::<Subsystem<T>>()).data }
    }
}

/// The configfs type of a group: its operations and attributes. Declare with
/// [`configfs_item_type!`].
#[repr(transparent)]
pub struct ItemType(UnsafeCell<c::config_item_type>);

// SAFETY: never written after construction; configfs only reads it.
unsafe impl Sync for ItemType {}

struct Ops<T, L>(PhantomData<(T, L)>);

impl<T: GroupData> Ops<T, Group<T>> {
    const ITEM: c::configfs_item_operations = c::configfs_item_operations {
        release: Some(release::<T>),
        allow_link: None,
        drop_link: None,
    };
}

impl<T: MakeGroup, L: Layout<T> + 'static> Ops<T, L> {
    const GROUP: c::configfs_group_operations = c::configfs_group_operations {
        make_item: None,
        make_group: Some(make_group::<T, L>),
        disconnect_notify: None,
        drop_item: Some(drop_item::<T, L>),
        is_visible: None,
        is_bin_visible: None,
    };
}

impl ItemType {
    const fn build(
        owner: *mut c::module,
        item_ops: Option<&'static c::configfs_item_operations>,
        group_ops: Option<&'static c::configfs_group_operations>,
        attrs: &'static [AttributeRef],
    ) -> Self {
        Self(UnsafeCell::new(c::config_item_type {
            ct_owner: owner,
            ct_item_ops: match item_ops {
                Some(ops) => ops as *const _ as *mut _,
                None => core::ptr::null_mut(),
            },
            ct_group_ops: match group_ops {
                Some(ops) => ops as *const _ as *mut _,
                None => core::ptr::null_mut(),
            },
            ct_attrs: attrs.as_ptr() as *mut *mut c::configfs_attribute,
            ct_bin_attrs: core::ptr::null_mut(),
        }))
    }

    /// A directory without `mkdir`: attributes and default groups only.
    pub const fn leaf<T: GroupData>(owner: *mut c::module, attrs: &'static [AttributeRef]) -> Self {
        Self::build(owner, Some(&Ops::<T, Group<T>>::ITEM), None, attrs)
    }

    /// A directory whose `mkdir` makes `T::Child` groups.
    pub const fn parent<T: MakeGroup>(owner: *mut c::module, attrs: &'static [AttributeRef]) -> Self {
        Self::build(
            owner,
            Some(&Ops::<T, Group<T>>::ITEM),
            Some(&Ops::<T, Group<T>>::GROUP),
            attrs,
        )
    }

    /// The top directory of a subsystem. It is freed by its [`Registration`], not by configfs,
    /// and has no attributes (attribute callbacks assume the [`Group`] layout).
    pub const fn subsystem<T: MakeGroup>(owner: *mut c::module, attrs: &'static [AttributeRef]) -> Self {
        assert!(attrs.len() == 1, "a configfs subsystem root takes no attributes");
        Self::build(owner, None, Some(&Ops::<T, Subsystem<T>>::GROUP), attrs)
    }

    fn as_ptr(&self) -> *const c::config_item_type {
        self.0.get()
    }
}

/// A configfs attribute file. Declare with [`configfs_attribute!`].
#[repr(transparent)]
pub struct Attribute(UnsafeCell<c::configfs_attribute>);

// SAFETY: never written after construction; configfs only reads it.
unsafe impl Sync for Attribute {}

impl Attribute {
    /// The attribute `name` of groups carrying `T`, implemented by `A`.
    pub const fn new<T: GroupData, A: AttributeOps<T>>(owner: *mut c::module, name: &'static CStr) -> Self {
        Self(UnsafeCell::new(c::configfs_attribute {
            ca_name: name.as_char_ptr(),
            ca_owner: owner,
            ca_mode: if A::WRITABLE { 0o644 } else { 0o444 },
            show: Some(show::<T, A>),
            store: if A::WRITABLE { Some(store::<T, A>) } else { None },
        }))
    }
}

/// An entry of the NULL-terminated attribute array of an [`ItemType`].
#[repr(transparent)]
pub struct AttributeRef(*const Attribute);

// SAFETY: points to a `static` `Attribute`, which is `Sync`.
unsafe impl Sync for AttributeRef {}

impl AttributeRef {
    /// The end of an attribute list.
    pub const END: Self = Self(core::ptr::null());

    /// An entry for `attr`.
    pub const fn new(attr: &'static Attribute) -> Self {
        Self(attr)
    }
}

/// Declare the `static` item type of a configfs group:
/// `configfs_item_type!(NAME: leaf|parent|subsystem Type, [ATTR, ...]);`
#[macro_export]
macro_rules! configfs_item_type {
    ($name:ident: $kind:ident $t:ty, [$($attr:expr),* $(,)?]) => {
        static $name: $crate::configfs::ItemType = $crate::configfs::ItemType::$kind::<$t>(
            $crate::configfs_this_module!(),
            &[$($crate::configfs::AttributeRef::new(&$attr),)* $crate::configfs::AttributeRef::END],
        );
    };
}

/// Declare the `static` attribute `name` of groups carrying `T`, implemented by `Ops`:
/// `configfs_attribute!(NAME: Type, Ops, "name");`
#[macro_export]
macro_rules! configfs_attribute {
    ($name:ident: $t:ty, $ops:ty, $file:literal) => {
        static $name: $crate::configfs::Attribute = $crate::configfs::Attribute::new::<$t, $ops>(
            $crate::configfs_this_module!(),
            kernel::c_str!($file),
        );
    };
}

unsafe extern "C" fn release<T: GroupData>(item: *mut c::config_item) {
    let group = item.cast::<c::config_group>();
    // SAFETY: configfs calls `release` once, when the last reference to a `Group<T>` that
    // `GroupBox::new` allocated goes; its default groups lose their parent's reference here.
    unsafe {
        c::configfs_remove_default_groups(group);
        drop(KBox::from_raw(group.cast::<Group<T>>()));
    }
}

unsafe extern "C" fn make_group<T: MakeGroup, L: Layout<T>>(
    group: *mut c::config_group,
    name: *const c_char,
) -> *mut c::config_group {
    // SAFETY: configfs passes the live group whose type was built for `T` with layout `L`, and a
    // NUL-terminated name valid for the call.
    let (parent, name) = unsafe { (L::data(group), CStr::from_char_ptr(name)) };
    match parent.make_group(name) {
        Ok(child) => child.into_raw(),
        Err(err) => err.to_ptr(),
    }
}

unsafe extern "C" fn drop_item<T: MakeGroup, L: Layout<T>>(
    group: *mut c::config_group,
    item: *mut c::config_item,
) {
    // SAFETY: configfs passes the parent (type built for `T`, layout `L`) and a child it made
    // through `make_group::<T, L>`, so a `Group<T::Child>`; both are alive for the call.
    let (parent, child) = unsafe { (L::data(group), <Group<T::Child> as Layout<T::Child>>::data(item.cast())) };
    parent.drop_group(child);
    // SAFETY: drop the reference `make_group` handed to configfs.
    unsafe { c::config_item_put(item) };
}

unsafe extern "C" fn show<T: GroupData, A: AttributeOps<T>>(item: *mut c::config_item, page: *mut c_char) -> isize {
    // SAFETY: configfs passes a live item of a type built for `T` and a zeroed page-sized buffer.
    let (data, buf) = unsafe {
        (
            <Group<T> as Layout<T>>::data(item.cast()),
            core::slice::from_raw_parts_mut(page.cast::<u8>(), kernel::page::PAGE_SIZE),
        )
    };
    let mut out = PageWriter { buf, len: 0 };
    match A::show(data, &mut out) {
        Ok(()) => out.len as isize,
        Err(err) => err.to_errno() as isize,
    }
}

unsafe extern "C" fn store<T: GroupData, A: AttributeOps<T>>(
    item: *mut c::config_item,
    page: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: configfs passes a live item of a type built for `T` and `count` bytes of input.
    let (data, input) = unsafe {
        (
            <Group<T> as Layout<T>>::data(item.cast()),
            core::slice::from_raw_parts(page.cast::<u8>(), count),
        )
    };
    match A::store(data, input) {
        Ok(()) => count as isize,
        Err(err) => err.to_errno() as isize,
    }
}

/// Parse an attribute write as a decimal number, as `kstrtoul` would: surrounding white space
/// (the newline of `echo`) is ignored; anything else is `EINVAL`.
pub fn parse_u64(input: &[u8]) -> Result<u64> {
    let text = core::str::from_utf8(input).map_err(|_| EINVAL)?.trim();
    text.parse::<u64>().map_err(|_| EINVAL)
}
