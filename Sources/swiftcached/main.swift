// The server's entry point; see SwiftcachedCommand for the flags, ConfigFileOption for `--config-file`.
SwiftcachedCommand.main(SwiftcachedCommand.argumentsWithConfigFile(Array(CommandLine.arguments.dropFirst())))
