// The configuration endpoint's entry point; see ConfigCommand for the flags.
ConfigCommand.main()
