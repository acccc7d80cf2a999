//! `-Q FORMAT`: the superblock printed through tunefs.ocfs2's query format (op_query.c).
//!
//! The format is printf(3) with tunefs.ocfs2's own conversions; flags, width (`%-20V`) and
//! precision parse as in printf, but only the width and `-` act: every value is printed as a
//! string padded with spaces.  `%%` is a percent sign.  Escapes are those of
//! `process_escapes()`: \a \b \t \n \v \f \r; any other backslash pair stays as it is.
//!
//! tunefs.ocfs2 1.8.7 refuses every format holding a conversion that would take a printf
//! argument.  glibc 2.35 made `%B` such a conversion (binary integers), so Debian's
//! tunefs.ocfs2 now refuses `%B`; this tool prints the block size for it, as the manual says.

use ocfs_format::dinode::Dinode;
use ocfs_format::features::{
    tunefs_flags, CompatFeatures, Features, IncompatFeatures, RoCompatFeatures,
};

/// One piece of a parsed format.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Literal(Vec<u8>),
    Field {
        conversion: u8,
        width: usize,
        left: bool,
    },
}

/// The text `format` asks for, or tunefs.ocfs2's refusal.
pub fn expand(format: &str, sb: &Dinode<&[u8]>) -> Result<Vec<u8>, String> {
    let pieces = parse(&process_escapes(format.as_bytes()))
        .map_err(|()| format!("Unknown type specifier in the query format: \"{format}\""))?;
    let mut out = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Literal(bytes) => out.extend_from_slice(&bytes),
            Piece::Field {
                conversion,
                width,
                left,
            } => {
                for value in values(conversion, sb) {
                    pad(&mut out, &value, width, left);
                }
            }
        }
    }
    Ok(out)
}

/// `process_escapes()` of op_query.c.
fn process_escapes(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'a') => out.push(0x07),
            Some(b'b') => out.push(0x08),
            Some(b't') => out.push(b'\t'),
            Some(b'n') => out.push(b'\n'),
            Some(b'v') => out.push(0x0b),
            Some(b'f') => out.push(0x0c),
            Some(b'r') => out.push(b'\r'),
            Some(other) => out.extend_from_slice(&[b'\\', other]),
            // A trailing backslash: the C copies it, then its terminating NUL ends the format.
            None => out.push(b'\\'),
        }
    }
    out
}

/// Splits the format into literals and conversions; Err for any conversion tunefs.ocfs2
/// does not own (it would take a printf argument, or print something unrelated).
fn parse(fmt: &[u8]) -> Result<Vec<Piece>, ()> {
    let mut pieces = Vec::new();
    let mut literal = Vec::new();
    let mut i = 0;
    while i < fmt.len() {
        let b = fmt[i];
        i += 1;
        if b != b'%' {
            literal.push(b);
            continue;
        }
        let mut left = false;
        while let Some(&flag) = fmt.get(i).filter(|c| b"-+ #0'I".contains(c)) {
            left |= flag == b'-';
            i += 1;
        }
        let mut width = 0usize;
        while let Some(d) = fmt.get(i).filter(|c| c.is_ascii_digit()) {
            width = width
                .saturating_mul(10)
                .saturating_add(usize::from(d - b'0'));
            i += 1;
        }
        if fmt.get(i) == Some(&b'.') {
            i += 1;
            while fmt.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        match fmt.get(i) {
            Some(b'%') => literal.push(b'%'),
            Some(&c) if b"BTNRYPVUMHO".contains(&c) => {
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Field {
                    conversion: c,
                    width,
                    left,
                });
            }
            _ => return Err(()),
        }
        i += 1;
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

/// `print_string()`: the value right-justified in `width` (left with `-`), spaces around.
fn pad(out: &mut Vec<u8>, value: &[u8], width: usize, left: bool) {
    let fill = width.saturating_sub(value.len());
    if !left {
        out.resize(out.len() + fill, b' ');
    }
    out.extend_from_slice(value);
    if left {
        out.resize(out.len() + fill, b' ');
    }
}

/// What one conversion prints: each element is padded on its own, as the C handlers call
/// `print_string()` once per part (`%H` prints the incompat names, then the names of
/// `s_tunefs_flag`, with no space between).
fn values(conversion: u8, d: &Dinode<&[u8]>) -> Vec<Vec<u8>> {
    let sb = d.super_block();
    let number = |n: u64| vec![n.to_string().into_bytes()];
    match conversion {
        b'B' => number(sb.block_size().map_or(0, u64::from)),
        b'T' => number(sb.cluster_size().map_or(0, u64::from)),
        b'N' => number(sb.s_max_slots().into()),
        b'R' => number(sb.s_root_blkno()),
        b'Y' => number(sb.s_system_dir_blkno()),
        b'P' => number(sb.s_first_cluster_group()),
        b'V' => vec![sb.label().to_vec()],
        b'U' => vec![uuid_string(&sb.s_uuid()).into_bytes()],
        b'M' => or_none(vec![names(Features {
            compat: CompatFeatures(sb.s_feature_compat()),
            ..Features::EMPTY
        })]),
        b'H' => {
            let incompat = Features {
                incompat: IncompatFeatures(sb.s_feature_incompat()),
                ..Features::EMPTY
            };
            let mut parts = vec![names(incompat)];
            if sb.s_tunefs_flag() != 0 {
                parts.push(tunefs_flag_names(sb.s_tunefs_flag()));
            }
            or_none(parts)
        }
        b'O' => or_none(vec![names(Features {
            ro_compat: RoCompatFeatures(sb.s_feature_ro_compat()),
            ..Features::EMPTY
        })]),
        _ => Vec::new(),
    }
}

/// The parts that are not empty, or "None" if none is.
fn or_none(parts: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let parts: Vec<Vec<u8>> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        vec![b"None".to_vec()]
    } else {
        parts
    }
}

/// `ocfs2_snprint_feature_flags()`: names in tools order, "unknown" last.
fn names(f: Features) -> Vec<u8> {
    f.to_string().into_bytes()
}

/// `ocfs2_snprint_tunefs_flags()`.
fn tunefs_flag_names(flags: u16) -> Vec<u8> {
    let mut words: Vec<&str> = tunefs_flags::NAMES
        .iter()
        .filter(|(_, bit)| flags & bit != 0)
        .map(|(n, _)| *n)
        .collect();
    let known = tunefs_flags::NAMES
        .iter()
        .fold(0, |acc, (_, bit)| acc | bit);
    if flags & !known != 0 {
        words.push("unknown");
    }
    words.join(" ").into_bytes()
}

/// libocfs2's `uuid_str`: the 16 bytes as 32 upper-case hex digits.
pub fn uuid_string(uuid: &[u8; 16]) -> String {
    uuid.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_process_escapes() {
        assert_eq!(process_escapes(br"a\tb\nc\\d\q\"), b"a\tb\nc\\\\d\\q\\");
        assert_eq!(process_escapes(br"\a\b\v\f\r"), [7, 8, 11, 12, 13]);
    }

    #[test]
    fn conversions_parse_with_flags_and_width() {
        let pieces = parse(b"[%-10V|%5N%%]").expect("valid");
        assert_eq!(
            pieces,
            [
                Piece::Literal(b"[".to_vec()),
                Piece::Field {
                    conversion: b'V',
                    width: 10,
                    left: true
                },
                Piece::Literal(b"|".to_vec()),
                Piece::Field {
                    conversion: b'N',
                    width: 5,
                    left: false
                },
                Piece::Literal(b"%]".to_vec()),
            ]
        );
        for bad in [&b"%d"[..], b"%s", b"%*V", b"%", b"%m", b"%lB"] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn padding_is_spaces_either_side() {
        let mut out = Vec::new();
        pad(&mut out, b"ab", 4, false);
        pad(&mut out, b"cd", 4, true);
        pad(&mut out, b"long", 2, false);
        assert_eq!(out, b"  abcd  long");
    }

    #[test]
    fn tunefs_flags_name_unknown_bits() {
        assert_eq!(tunefs_flag_names(0x3), b"remove-slot dir-trailer");
        assert_eq!(tunefs_flag_names(0x8), b"unknown");
    }
}
