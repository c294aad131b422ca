namespace RecoveryKit.Bench;

internal static class FaultCampaign
{
    public static int Run(string[] args)
    {
        _ = args;
        return 0;
    }
}
