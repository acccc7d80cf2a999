// SPDX-License-Identifier: GPL-2.0
//! The two macros that write the view boilerplate.
//!
//! They expand to paths relative to the module they are used in
//! (`super::raw`, `super::error`), never `crate::` or `$crate::`: the kernel
//! compiles this tree as a nested module, so absolute paths would be wrong
//! there.  Use them only from direct children of `ondisk`.

/// Declares a zero-copy view `$name<B>` over a byte buffer.
///
/// `$size` is `sizeof` of the C structure (the fixed part, without
/// trailing flexible arrays); `new` refuses shorter buffers.
macro_rules! view {
    ($(#[$meta:meta])* $name:ident, $structure:ident, $size:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name<B> {
            buf: B,
        }

        impl<B> $name<B> {
            /// `sizeof` the C structure (fixed part); the shortest buffer
            /// the constructor accepts.
            pub const SIZE: usize = $size;

            /// Wraps without a length check.  Getters on a short buffer
            /// read zeros and setters write nothing; used by containers
            /// whose own length check already covers the sub-view.
            #[allow(dead_code)]
            #[inline]
            pub(super) fn wrap(buf: B) -> Self {
                Self { buf }
            }

            /// Gives the buffer back.
            #[inline]
            pub fn into_inner(self) -> B {
                self.buf
            }
        }

        impl<B: AsRef<[u8]>> $name<B> {
            /// Wraps `buf`, which must hold at least [`Self::SIZE`] bytes.
            pub fn new(buf: B) -> Result<Self, super::error::FormatError> {
                let have = buf.as_ref().len();
                if have < Self::SIZE {
                    return Err(super::error::FormatError::new(
                        super::error::Structure::$structure,
                        "",
                        super::error::Problem::TooShort {
                            need: Self::SIZE as u64,
                            have: have as u64,
                        },
                    ));
                }
                Ok(Self { buf })
            }

            /// The underlying bytes.
            #[inline]
            pub fn as_bytes(&self) -> &[u8] {
                self.buf.as_ref()
            }

            /// A read-only view borrowing this one's buffer.
            #[inline]
            pub fn by_ref(&self) -> $name<&[u8]> {
                $name { buf: self.buf.as_ref() }
            }
        }

        impl<B: AsMut<[u8]>> $name<B> {
            /// The underlying bytes, writable.
            #[inline]
            pub fn as_bytes_mut(&mut self) -> &mut [u8] {
                self.buf.as_mut()
            }

            /// A writable view borrowing this one's buffer.
            #[inline]
            pub fn by_mut(&mut self) -> $name<&mut [u8]> {
                $name { buf: self.buf.as_mut() }
            }
        }
    };
}

/// Declares the fixed fields of a view: a getter (`B: AsRef<[u8]>`), a
/// setter (`B: AsMut<[u8]>`) and an entry in `FIELDS` for each.  `$codec`
/// is `Le` (OCFS2) or `Be` (JBD2).  Getter names are the C field names.
macro_rules! fields {
    ($view:ident : $codec:ident {
        $( $(#[$m:meta])* $get:ident, $set:ident : $ty:ty = $off:expr; )*
    }) => {
        impl<B> $view<B> {
            /// Every fixed field: C name, offset, width.  Checked against
            /// the C layout in `layout_check.rs`.
            pub const FIELDS: &'static [super::raw::FieldDesc] = &[
                $( super::raw::FieldDesc {
                    name: stringify!($get),
                    offset: $off,
                    size: <$ty as super::raw::$codec>::SIZE,
                }, )*
            ];
        }

        impl<B: AsRef<[u8]>> $view<B> {
            $(
                $(#[$m])*
                #[inline]
                pub fn $get(&self) -> $ty {
                    <$ty as super::raw::$codec>::read_at(self.buf.as_ref(), $off)
                }
            )*
        }

        impl<B: AsMut<[u8]>> $view<B> {
            $(
                #[doc = concat!("Sets `", stringify!($get), "`.")]
                #[inline]
                pub fn $set(&mut self, v: $ty) {
                    <$ty as super::raw::$codec>::write_at(&v, self.buf.as_mut(), $off)
                }
            )*
        }
    };
}
