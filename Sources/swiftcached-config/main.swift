// The configuration endpoint's entry point; see ConfigCommand for the flags. `--config-file` puts
// a file's flags (memcached.conf format) before the command line's, which override them.
import ArgumentParser
import ConfigFile

ConfigCommand.main(ConfigArguments<ConfigCommand>.processArguments(Array(CommandLine.arguments.dropFirst()),
                                                                   replacing: [["-l", "--listen"], ["--allow"]]))
