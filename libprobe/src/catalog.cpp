// The one catalog of finding IDs. IDs are never renumbered or reused; a
// retired ID keeps its entry with "(retired)" in the title.
#include <algorithm>

#include "probe/finding.hpp"

namespace probe {
namespace {

constexpr CatalogEntry kCatalog[] = {
    {"NS-001", Severity::Error, "config path does not exist for the subject",
     "A component of the path is missing, as the subject resolves it: in its root directory and "
     "mount namespace, from its working directory for a relative path. The kernel returns ENOENT.",
     "Path lookup (fs/namei.c: walk_component) found no directory entry. For a process the path "
     "is resolved through /proc/PID/root, so a chroot, a container or a systemd sandbox "
     "(ProtectHome=, TemporaryFileSystem=) can hide a file that exists on the host.",
     "Create the file, or fix the path the program is given (its --config option or unit file). "
     "For a relative path, check the process's working directory (WorkingDirectory= in systemd).",
     "The program may treat a missing config as optional and use built-in defaults."},
    {"NS-002", Severity::Error, "path exists on the host but not in the subject's mount namespace",
     "The file is there when the host looks, but the process lives in another mount namespace or "
     "root (a container, a chroot, a systemd unit with its own mounts) where the path is missing.",
     "Each mount namespace has its own tree of mounts (mount_namespaces(7)); a path means what it "
     "means beneath the process's own root. cfgprobe resolves it through /proc/PID/root.",
     "Make the file visible inside: a bind mount (systemd BindReadOnlyPaths=HOST:PATH, docker run "
     "-v HOST:PATH:ro, a Kubernetes volume), or copy the config into the image.",
     "A path that the program reads only after it changes root or namespace itself."},
    {"NS-003", Severity::Error, "a path component is not a directory",
     "Some component that the path walks through is a regular file or another non-directory, so "
     "the kernel returns ENOTDIR.",
     "fs/namei.c: link_path_walk() requires every component before the last (and a last one "
     "followed by '/') to be a directory.",
     "Fix the path, or replace the file that stands where a directory is expected.",
     "None: the open always fails."},
    {"NS-004", Severity::Error, "too many levels of symbolic links",
     "Resolving the path followed more than 40 symbolic links, usually a loop (a -> b -> a). The "
     "kernel returns ELOOP.",
     "fs/namei.c: reserve_stack() allows MAXSYMLINKS (40) links in one resolution.",
     "Inspect the chain with `namei -l PATH` and point the link at the real file.",
     "None: the open always fails."},
    {"NS-005", Severity::Error, "path or file name too long",
     "The path is PATH_MAX (4096) bytes or longer, or one component is longer than NAME_MAX (255): "
     "ENAMETOOLONG.",
     "fs/namei.c: getname() limits the whole path; file systems limit each name.",
     "Use a shorter path, for example a symbolic link to a directory near the file.",
     "None."},
    {"NS-006", Severity::Warning, "part of the path could not be inspected",
     "cfgprobe itself could not look at a component (usually because it is not running as root), "
     "so the verdict from there on is unknown rather than allowed.",
     "Inspecting another process's root needs ptrace-read access, and looking into directories "
     "the inspector cannot search needs CAP_DAC_READ_SEARCH.",
     "Run cfgprobe as root: `sudo cfgprobe ...`.",
     "None: the answer is incomplete, not wrong."},
    {"NS-007", Severity::Info, "the subject has its own root or mount namespace",
     "Paths were resolved beneath the subject's own root (/proc/PID/root), not the host's. Fix "
     "commands are written with that /proc/PID/root prefix so they work from the host.",
     "A container, chroot or systemd sandbox gives a process its own view of the file system.",
     "Nothing to fix; run the commands as shown, from the host, as root.",
     "Always informational."},
    {"DAC-001", Severity::Error, "no read permission on the file",
     "The file's mode bits (owner, group, other) do not give the subject read permission.",
     "fs/namei.c: generic_permission() uses exactly one class: the owner bits if the fsuid owns "
     "the file, else the group bits if the file's group is the fsgid or a supplementary group, "
     "else the other bits. An owner without r is denied even when 'other' has r.",
     "Least privilege first: an ACL for this one user (setfacl -m u:USER:r FILE), membership of "
     "the file's group (usermod -aG), a group or world read bit (chmod), and only as a last "
     "resort CAP_DAC_READ_SEARCH for the service.",
     "The program may read the config before dropping privileges (as root), in which case this "
     "subject never opens it."},
    {"DAC-002", Severity::Error, "no search permission on a directory",
     "A directory on the way to the file does not give the subject search (x) permission, so "
     "nothing beneath it can be opened, whatever the file's own mode says.",
     "fs/namei.c: may_lookup() checks MAY_EXEC on every directory before looking up the next "
     "component, with the same owner/group/other rule as generic_permission().",
     "Give search (x) to this user only (setfacl -m u:USER:x DIR), or through the directory's "
     "group, or to everyone (chmod o+x DIR) when the directory holds nothing secret.",
     "None for this subject: the kernel stops the walk there."},
    {"DAC-003", Severity::Error, "symlink not followed: fs.protected_symlinks",
     "The last component is a symbolic link in a sticky, world-writable directory (like /tmp), "
     "owned by neither the subject nor the directory's owner. With fs.protected_symlinks=1 the "
     "kernel refuses to follow it (EACCES), even for root.",
     "fs/namei.c: may_follow_link() protects against link races in shared directories; no "
     "capability overrides it.",
     "Point the program at the real file, move the link out of the shared directory, or make "
     "the link owned by the subject (chown -h USER LINK).",
     "Links that are not the last component are not checked by this rule."},
    {"DAC-004", Severity::Warning, "the config is not a regular file",
     "The target is a FIFO, device or socket. cfgprobe never opens such a file for reading (a "
     "FIFO would block, a device read can have side effects); the permission check is still "
     "modelled. open(2) of a socket fails with ENXIO.",
     "A config should be a regular file; special files are usually a mistake in a bind mount or "
     "a path.",
     "Point the program at the regular file.",
     "Programs that deliberately read configuration from a FIFO or /dev/stdin."},
    {"DAC-005", Severity::Info, "the target is a directory",
     "The path names a directory: reading it means listing its entries (r), and each file in it "
     "is checked separately.",
     "Opening a directory O_RDONLY needs MAY_READ on it (fs/namei.c: may_open).",
     "Check the files inside too: `cfgprobe check ... DIR/*.conf`.",
     "Always informational."},
    {"ACL-001", Severity::Error, "the POSIX ACL entry for this subject lacks the permission",
     "The file has a POSIX ACL, and the entry that applies to the subject (a named user entry, or "
     "the owning/named group entries it belongs to, or 'other') does not grant the permission.",
     "fs/posix_acl.c: posix_acl_permission() replaces the group class: the named user entry wins "
     "over any group; among groups, any matching entry that grants the permission suffices; "
     "otherwise matching a group but no grant is a denial, not a fall-through to 'other'.",
     "Add or extend the entry for this user: setfacl -m u:USER:PERMS PATH.",
     "None for this subject."},
    {"ACL-002", Severity::Error, "the ACL mask removes a permission the entry grants",
     "The ACL entry for the subject grants the permission, but the mask entry (shown as the "
     "group bits in ls -l) does not, and the mask limits every named and group entry.",
     "fs/posix_acl.c: posix_acl_permission() ANDs named user, owning group and named group "
     "entries with ACL_MASK. A chmod g-... after setfacl lowers the mask.",
     "Raise the mask: setfacl -m m::PERMS PATH (or re-run setfacl -m on the entry, which "
     "recalculates the mask).",
     "None for this subject."},
    {"ACL-003", Severity::Warning, "the ACL is ignored because the group bits are 0",
     "The file has an ACL, but its group permission bits (the mask) are all clear, so the kernel "
     "skips the ACL and the subject falls back to the plain group/other bits.",
     "fs/namei.c: acl_permission_check() consults the ACL only when mode & S_IRWXG is non-zero.",
     "Set the mask again: setfacl -m m::rx PATH.",
     "When the ACL was meant to be disabled."},
    {"CAP-001", Severity::Warning, "allowed only by a capability",
     "The mode bits and ACLs deny this subject; it gets in only because CAP_DAC_READ_SEARCH or "
     "CAP_DAC_OVERRIDE is in its effective set. Dropping that capability (a hardened unit, a "
     "non-root container user) will break the read.",
     "fs/namei.c: generic_permission() lets CAP_DAC_READ_SEARCH bypass read and search checks "
     "and CAP_DAC_OVERRIDE bypass read/write/search, when the inode's owner and group are "
     "mapped in the subject's user namespace (capable_wrt_inode_uidgid).",
     "Grant the access in the file system (ACL, group, mode) so the capability can be dropped.",
     "Services that are meant to read everything (backup agents)."},
    {"CAP-002", Severity::Warning, "the capability is permitted but not effective",
     "The subject holds CAP_DAC_READ_SEARCH or CAP_DAC_OVERRIDE in its permitted set, which "
     "would allow this access, but not in its effective set, and only the effective set counts.",
     "Permission checks use cap_effective (security/commoncap.c: cap_capable). A program must "
     "raise a permitted capability with capset(2) before it counts.",
     "Prefer fixing the file permissions. If the capability is intended, have the program raise "
     "it, or give it as AmbientCapabilities= so it is effective from exec.",
     "A program that raises the capability just before it opens the file."},
    {"CAP-003", Severity::Error, "the capability does not count: owner unmapped in the user namespace",
     "The subject has CAP_DAC_READ_SEARCH or CAP_DAC_OVERRIDE in its effective set, but inside "
     "its own user namespace, and the file's owner or group is not mapped into that namespace "
     "(it shows up there as nobody/nogroup), so the capability does not apply to this inode.",
     "kernel/capability.c: capable_wrt_inode_uidgid() requires both i_uid and i_gid to be "
     "mapped in the caller's user namespace.",
     "Give the file an owner and group that are mapped into the container (chown to the "
     "container's mapped root or app id), use an idmapped mount, or grant access through mode "
     "bits or an ACL for the mapped uid.",
     "None for this subject."},
    {"VFY-001", Severity::Error, "the model and the kernel disagree",
     "With --verify, cfgprobe took the subject's credentials and really opened the path; the "
     "kernel's answer differs from the model's. Either a layer cfgprobe does not model yet "
     "(SELinux, AppArmor, Landlock, a network or FUSE file system with its own permission "
     "rules, a nodev or nosymfollow mount) or a bug in cfgprobe.",
     "The kernel is the ground truth; the model explains it and is proved against it.",
     "Trust the kernel's errno. If no LSM or special file system is involved, please report the "
     "JSON output (--format json --verify) as a bug.",
     "A file that changed between the model's look and the kernel's open."},
    {"VFY-002", Severity::Warning, "the kernel check could not run",
     "--verify could not take the subject's credentials or namespaces (it needs root), so only "
     "the model's answer is shown.",
     "Changing uids, joining another process's namespaces and chroot need CAP_SETUID, "
     "CAP_SETGID, CAP_SYS_ADMIN and CAP_SYS_CHROOT.",
     "Run with sudo.",
     "None."},
// Each probe keeps its entries beside its code, in the same form.
#include "catalog_exe.inc"
#include "catalog_seccomp.inc"
#include "catalog_selinux.inc"
#include "catalog_age.inc"
#include "catalog_keyring.inc"
#include "catalog_apparmor.inc"
#include "catalog_preflight.inc"
};

}  // namespace

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Info: return "info";
  }
  return "info";
}

std::span<const CatalogEntry> catalog() { return kCatalog; }

const CatalogEntry* find_catalog_entry(std::string_view id) {
  auto it = std::find_if(std::begin(kCatalog), std::end(kCatalog),
                         [&](const CatalogEntry& e) { return e.id == id; });
  return it == std::end(kCatalog) ? nullptr : &*it;
}

Finding make_finding(std::string_view id, std::string object, std::string explanation,
                     std::vector<Fix> fixes) {
  const CatalogEntry* e = find_catalog_entry(id);
  Finding f;
  f.id = std::string(id);
  f.severity = e ? e->severity : Severity::Error;
  f.title = e ? std::string(e->title) : std::string(id);
  f.object = std::move(object);
  f.explanation = std::move(explanation);
  f.fixes = std::move(fixes);
  return f;
}

}  // namespace probe
