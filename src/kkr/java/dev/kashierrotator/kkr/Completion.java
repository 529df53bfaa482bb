package dev.kashierrotator.kkr;

/** Shell completion for the commands and their options: {@code source <(kkr completion bash)}. */
final class Completion {

    private static final String COMMANDS =
            "login whoami keys key rotate status confirm abort rotations audit schedule pause resume completion help";

    private Completion() {}

    static String script(String shell) {
        return switch (shell) {
            case "bash" -> """
                    _kkr() {
                      local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}
                      if [ "$COMP_CWORD" -eq 1 ]; then
                        COMPREPLY=($(compgen -W "%s" -- "$cur")); return
                      fi
                      local opts="--url --ca-file --output --token-file"
                      case "$cmd" in
                        rotate) opts="$opts --reason --emergency --order --dry-run --wait";;
                        status) opts="$opts --watch";;
                        abort|resume) opts="$opts --reason";;
                        rotations) opts="$opts --key --state --limit";;
                        audit) opts="$opts --limit verify";;
                        pause) opts="$opts --reason --until --for";;
                        completion) opts="bash zsh";;
                      esac
                      COMPREPLY=($(compgen -W "$opts" -- "$cur"))
                    }
                    complete -F _kkr kkr
                    """.formatted(COMMANDS);
            case "zsh" -> """
                    #compdef kkr
                    _kkr() {
                      if (( CURRENT == 2 )); then
                        compadd %s
                      else
                        compadd -- --url --ca-file --output --token-file --reason --emergency --order --dry-run \\
                          --wait --watch --key --state --limit --until --for
                      fi
                    }
                    compdef _kkr kkr
                    """.formatted(COMMANDS);
            default -> throw Failure.usage("completion: bash or zsh, not '" + shell + "'");
        };
    }
}
