# Sourced by the guest's /init for scripts/vmtest --rootfs: mount the ext4 disk
# at /newroot, share the kernel filesystems with it, and give it the kpath
# binary, the command and the --add'ed files; /init then runs the command
# chrooted there. BIN_NAME and GUEST_CWD come from /etc/vmtest.conf.
R=/newroot
mkdir -p $R
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.5; done
mount -t ext4 /dev/vda $R || echo "vmtest-init: mounting the --rootfs disk failed"
for d in proc sys dev dev/pts dev/shm sys/kernel/tracing sys/kernel/debug sys/fs/bpf sys/fs/cgroup; do
    mkdir -p $R/$d; mount --bind /$d $R/$d
done
if [ -e "/usr/bin/$BIN_NAME" ]; then
    mkdir -p $R/usr/local/bin
    cp -a "/usr/bin/$BIN_NAME" $R/usr/local/bin/
    [ -e $R/usr/local/bin/kpath ] || ln -s "$BIN_NAME" $R/usr/local/bin/kpath
fi
cp /etc/vmtest-cmd.sh $R/etc/
[ -f /etc/vmtest-adds ] && while read -r a; do mkdir -p "$R$(dirname "$a")"; cp -a "$a" "$R$a"; done </etc/vmtest-adds
mkdir -p "$R$GUEST_CWD"
