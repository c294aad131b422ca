using RecoveryKit.Cli;
using RecoveryKit.Firmware;

// Arguments that are not UTF-8 (a file name "fw\xFF.bin") keep their bytes, so such a file can still be opened.
ByteNames.CaptureCommandLine(args);

return RecoveryKitCli.Run(args, Console.Out, Console.Error);
