using RecoveryKit.Cli;

return RecoveryKitCli.Run(args, Console.Out, Console.Error);
