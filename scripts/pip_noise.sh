# Sourced by scripts/setup.sh and scripts/lock.sh. pip warns about every package the machine's local
# mirrors (pip's extra-index-url) do not hold: harmless, and pages long on a first install. This filter
# drops only those exact lines; everything else, pip's errors included, passes through.
drop_mirror_noise() {
  grep -v -E "^ *WARNING: Location 'file://[^']*' is ignored: it is neither a file nor a directory\.$" || true
}
