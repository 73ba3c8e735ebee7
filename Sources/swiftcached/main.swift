// The server's entry point; see SwiftcachedCommand for the flags, ConfigFileOption for `--config-file`.
import ArgumentParser
import ConfigFile

SwiftcachedCommand.main(ConfigArguments<SwiftcachedCommand>.processArguments(Array(CommandLine.arguments.dropFirst()),
                                                                             replacing: SwiftcachedCommand.replacedByCommandLine))
