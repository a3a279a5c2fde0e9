# SELinux scenarios, one boot (tests/vm/vm.sh selinux: enforcing=0 on the
# command line). Confined processes cannot be started in enforcing mode
# (kernel_t -> httpd_t { transition } is denied), so every httpd_t process
# is started first, while permissive; each blocks in a shell `read` on a
# FIFO (the read is checked when it starts, still permissive). Later, when
# woken, it tries the config read itself and exits 0 or 13: the kernel's
# answer from that very process, which cfgprobe inspected just before.
. /vm/lib.sh
set -u
section load_policy load_policy -i
section kernel.context sh -c 'echo "$(cat /proc/self/attr/current)"'
mkdir -p /srv
mount -t tmpfs -o mode=0755 tmpfs /srv
mkdir -p /srv/www
echo "key: value" >/srv/www/app.conf
chmod 0644 /srv/www/app.conf
restorecon -R /srv
# drifted: the policy wants httpd_sys_content_t here (restorecon would set it)
chcon -t user_home_t /srv/www/app.conf

start_reader() {  # start_reader N: an httpd_t process waiting on /tmp/goN
  mkfifo /tmp/go$1
  runcon system_u:system_r:httpd_t:s0 sh -c 'read x; if read y </srv/www/app.conf; then exit 0; else exit 13; fi' </tmp/go$1 &
  eval "reader$1=\$!"
  eval "exec 1$1>/tmp/go$1"
}
for n in 1 2 3 4; do start_reader $n; done
for n in 1 2 3 4; do eval "wait_label \$reader$n httpd_t" || echo "reader $n not in httpd_t"; done
section reader.context eval 'echo "$(cat /proc/$reader1/attr/current)"'
# wake reader N, print its exit status as the kernel's answer
kernel_read() {  # kernel_read N
  eval "echo go >&1$1; exec 1$1>&-; wait \$reader$1"
  rc=$?
  if [ $rc = 0 ]; then echo "errno=0"; elif [ $rc = 13 ]; then echo "errno=EACCES"; else echo "errno=other: exit $rc"; fi
}
section getsebool getsebool httpd_read_user_content

# 1. enforcing, httpd_read_user_content off, the label drifted.
section setenforce1 setenforce 1
section enforce.json eval 'cfgprobe inspect --verify --format json $reader1 /srv/www/app.conf'
section enforce.text eval 'cfgprobe inspect $reader1 /srv/www/app.conf'
section enforce.kernel kernel_read 1

# 2. the boolean on: allowed.
section setsebool1 setsebool httpd_read_user_content 1
section boolean.json eval 'cfgprobe inspect --format json $reader2 /srv/www/app.conf'
section boolean.kernel kernel_read 2
section setsebool0 setsebool httpd_read_user_content 0

# 3. permissive: a warning, the kernel allows.
section setenforce0 setenforce 0
section permissive.json eval 'cfgprobe inspect --format json $reader3 /srv/www/app.conf'
section permissive.kernel kernel_read 3

# 4. the label restored as cfgprobe suggested: allowed in enforcing.
section restorecon restorecon -v /srv/www/app.conf
section setenforce1b setenforce 1
section restored.json eval 'cfgprobe inspect --format json $reader4 /srv/www/app.conf'
section restored.kernel kernel_read 4
section setenforce0b setenforce 0

# 5. bad input: a context the policy rejects.
section bad.context cfgprobe check --context system_u:system_r:no_such_t:s0 --format json /srv/www/app.conf
