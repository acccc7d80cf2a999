//! Link `tunefs.ocfs` to the `tunefs-ocfs` binary in the target directory: the name the tool
//! goes by, which cargo cannot give a binary (rustc rejects dots in crate names).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // OUT_DIR is target/<profile>/build/<package>-<hash>/out.
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    let Some(profile_dir) = out_dir.ancestors().nth(3) else {
        return;
    };
    let link = profile_dir.join("tunefs.ocfs");
    let _ = std::fs::remove_file(&link);
    if let Err(e) = std::os::unix::fs::symlink("tunefs-ocfs", &link) {
        println!("cargo:warning=cannot link {}: {e}", link.display());
    }
}
