namespace RecoveryKit.Firmware;

/// <summary>How an image was stored in its source file; always detected from the content, never from the file name.</summary>
public enum FirmwareFormat
{
    /// <summary>A raw dump of the whole flash.</summary>
    Bin,
    /// <summary>BTC/MediaTek Intel-HEX with 64 KiB banks (PROTOCOL.md §7).</summary>
    IntelHex,
    /// <summary>An image found inside a vendor's Windows/DOS updater executable.</summary>
    VendorUpdater,
}
