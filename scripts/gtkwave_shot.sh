#!/usr/bin/env bash
# A screenshot of a run's GTKWave view (run.gtkw, written by ssmsim run
# --vcd) without a display: GTKWave under Xvfb, grabbed with ImageMagick.
# Needs the Debian packages gtkwave, xvfb, xauth and imagemagick.
#   scripts/gtkwave_shot.sh RUN.gtkw OUT.png
set -euo pipefail
gtkw=$(realpath "$1")
png=$2
for tool in gtkwave xvfb-run import; do
  command -v "$tool" > /dev/null || {
    echo "gtkwave_shot.sh: $tool not found (apt-get install gtkwave xvfb xauth imagemagick)" >&2
    exit 1
  }
done
png=$(realpath -m "$png")
# The view names its files by absolute path; the picture shows them from the
# view's own folder, so no path of this machine lands in the image.
dir=$(dirname "$gtkw")
view=$(mktemp "$dir/.shot.XXXXXX.gtkw")
trap 'rm -f "$view"' EXIT
sed -e "s|$dir/||g" -e "s/^\[size\] .*/[size] 1600 1500/" "$gtkw" > "$view"
cd "$dir"
xvfb-run -a -s "-screen 0 1600x1500x24" bash -c "
  gtkwave '$(basename "$view")' > /dev/null 2>&1 &
  pid=\$!
  sleep 6
  import -window root '$png'
  kill \$pid"
echo "wrote $png"
