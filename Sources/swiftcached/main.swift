// The server's entry point; see SwiftcachedCommand for the flags.
SwiftcachedCommand.main()
