//! Directory contents as mkfs.ocfs2 writes them: entries packed in insertion order, the
//! last entry of a block (or of the inline area) stretched to its end.

use ocfs_format::dir::DirEntry;

/// Directory entry file types (`OCFS2_FT_*`).
pub const FT_REG: u8 = 1;
pub const FT_DIR: u8 = 2;

/// Bytes of the fixed part of a directory entry (`struct ocfs2_dir_entry` before the name).
const ENTRY_HEADER: usize = 12;
/// The trailer at the end of each directory block, when the volume has them.
pub const TRAILER_SIZE: usize = 64;

/// `OCFS2_DIR_REC_LEN`: the space an entry with a name of `name_len` bytes needs.
pub fn rec_len(name_len: usize) -> usize {
    (name_len + ENTRY_HEADER + 3) & !3
}

/// One entry to write.
#[derive(Clone, Debug)]
pub struct Entry {
    pub inode: u64,
    pub name: Vec<u8>,
    pub file_type: u8,
}

impl Entry {
    pub fn new(inode: u64, name: &str, file_type: u8) -> Self {
        Self { inode, name: name.as_bytes().to_vec(), file_type }
    }
}

/// Pack `entries` into regions of `region_len` bytes (a block less its trailer, or the inline
/// area), starting a new region when the next entry does not fit. Returns one buffer per
/// region used; each region's last entry covers the rest of it.
pub fn pack(entries: &[Entry], region_len: usize) -> Vec<Vec<u8>> {
    let mut regions: Vec<Vec<u8>> = Vec::new();
    let mut used = region_len; // forces a first region
    let mut last_offset = 0;
    for entry in entries {
        let need = rec_len(entry.name.len());
        if used + need > region_len {
            if let Some(region) = regions.last_mut() {
                stretch(region, last_offset, region_len);
            }
            regions.push(vec![0; region_len]);
            used = 0;
        }
        let region = regions.last_mut().expect("a region was just pushed");
        write_entry(&mut region[used..used + need], entry, need);
        last_offset = used;
        used += need;
    }
    if let Some(region) = regions.last_mut() {
        stretch(region, last_offset, region_len);
    }
    regions
}

fn write_entry(buf: &mut [u8], entry: &Entry, len: usize) {
    let mut view = DirEntry::new(buf).expect("an entry's rec_len covers its header");
    view.set_inode(entry.inode);
    view.set_rec_len(len as u16);
    view.set_name_len(entry.name.len() as u8);
    view.set_file_type(entry.file_type);
    view.set_name(&entry.name);
}

/// Make the entry at `offset` reach the end of the region.
fn stretch(region: &mut [u8], offset: usize, region_len: usize) {
    let mut view = DirEntry::new(&mut region[offset..]).expect("the entry was written here");
    view.set_rec_len((region_len - offset) as u16);
}

/// Add `entry` to a packed region the way `ocfs2_link` does: the last entry gives up its
/// slack (keeping its own `rec_len`) and the new entry takes the rest.
pub fn append(region: &mut [u8], entry: &Entry) -> Result<(), String> {
    let mut offset = 0;
    loop {
        let view = DirEntry::new(&region[offset..]).map_err(|e| e.to_string())?;
        let len = usize::from(view.rec_len());
        if len == 0 {
            return Err("corrupt directory: zero rec_len".into());
        }
        if offset + len >= region.len() {
            let kept = rec_len(usize::from(view.name_len()));
            let need = rec_len(entry.name.len());
            if len < kept + need {
                return Err("no room in the directory".into());
            }
            DirEntry::new(&mut region[offset..]).map_err(|e| e.to_string())?.set_rec_len(kept as u16);
            let start = offset + kept;
            let rest = len - kept;
            write_entry(&mut region[start..start + need.max(ENTRY_HEADER)], entry, need);
            DirEntry::new(&mut region[start..]).map_err(|e| e.to_string())?.set_rec_len(rest as u16);
            return Ok(());
        }
        offset += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rec_lens_as_mkfs_ocfs2() {
        let lens: Vec<usize> = [".", "..", "bad_blocks", "global_inode_alloc", "slot_map", "heartbeat", "global_bitmap", "orphan_dir:0000", "extent_alloc:0000", "inode_alloc:0000", "journal:0000", "local_alloc:0000", "truncate_log:0000"]
            .iter()
            .map(|n| rec_len(n.len()))
            .collect();
        assert_eq!(lens, [16, 16, 24, 32, 20, 24, 28, 28, 32, 28, 24, 28, 32]);
    }

    #[test]
    fn pack_and_link() {
        let entries = [Entry::new(5, ".", FT_DIR), Entry::new(5, "..", FT_DIR)];
        let mut regions = pack(&entries, 3896);
        assert_eq!(regions.len(), 1);
        append(&mut regions[0], &Entry::new(9, "lost+found", FT_DIR)).unwrap();
        let lf = DirEntry::new(&regions[0][32..]).unwrap();
        assert_eq!((lf.inode(), lf.rec_len(), lf.name()), (9, 3864, &b"lost+found"[..]));
    }

    #[test]
    fn pack_spills_into_a_second_block() {
        let entries: Vec<Entry> = (0..100).map(|i| Entry::new(i, &format!("entry-{i:04}"), FT_REG)).collect();
        let regions = pack(&entries, 512);
        assert!(regions.len() > 1);
        for region in &regions {
            let mut offset = 0;
            while offset < region.len() {
                offset += usize::from(DirEntry::new(&region[offset..]).unwrap().rec_len());
            }
            assert_eq!(offset, 512);
        }
    }
}
