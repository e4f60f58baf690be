# SPDX-License-Identifier: MIT
# Usage: bash complete.bash COMMAND WORD... : prints, one per line, what
# bash-completion offers for the last WORD of "COMMAND WORD...", loading
# COMMAND's completion from /usr/share/bash-completion/completions as an
# interactive shell would on the first <TAB>.
. /usr/share/bash-completion/bash_completion
cmd=$1
__load_completion "$cmd" || { echo "complete.bash: no completion for $cmd" >&2; exit 1; }
func=$(complete -p "$cmd" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
[ -n "$func" ] || { echo "complete.bash: $cmd has no -F function" >&2; exit 1; }
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$func" "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
