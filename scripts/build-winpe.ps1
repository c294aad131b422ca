<#
.SYNOPSIS
    Build a Windows PE boot medium that starts the RecoveryKit wizard (Windows ADK route).

.DESCRIPTION
    Runs on Windows with the Windows ADK and its Windows PE add-on installed, the .NET 10 SDK
    and the C++ build tools NativeAOT links with. Steps:
      1. dotnet publish the NativeAOT win-x64 executable (NativeAOT cannot cross-compile
         from Linux to Windows, so this happens here);
      2. copype amd64 into a fresh working folder;
      3. DISM-mount media\sources\boot.wim, copy recoverykit.exe into System32 and
         boot\winpe\startnet.cmd over the default one (it runs wpeinit, then the wizard);
      4. unmount with /Commit (or /Discard when anything failed);
      5. MakeWinPEMedia /ISO (a file) or /UFD (a USB drive letter; the drive is FORMATTED).

    Windows PE sees a drive only while it still enumerates (SCSI pass-through to a healthy
    or half-alive drive). A drive that hangs POST or no longer answers needs the Linux stick
    (scripts/build-iso.sh). See docs/recovery-media.md.

.EXAMPLE
    .\scripts\build-winpe.ps1                                  # build\recoverykit-winpe.iso
.EXAMPLE
    .\scripts\build-winpe.ps1 -Target UFD -Output E:           # formats E: !
.EXAMPLE
    .\scripts\build-winpe.ps1 -PublishDir C:\rk\publish        # reuse a publish output
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
param(
    [ValidateSet('ISO', 'UFD')]
    [string] $Target = 'ISO',

    # ISO: output file. UFD: drive letter of the USB stick, e.g. "E:".
    [string] $Output,

    [string] $WorkDir,

    # Existing win-x64 publish folder holding recoverykit.exe; skips dotnet publish.
    [string] $PublishDir,

    # Optional folder copied to X:\recoverykit-files (firmware images you want on the medium).
    [string] $ExtraFiles
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$RepoRoot = Split-Path -Parent $PSScriptRoot
if (-not $WorkDir) { $WorkDir = Join-Path $RepoRoot 'build\winpe' }
if (-not $Output) {
    if ($Target -eq 'ISO') { $Output = Join-Path $RepoRoot 'build\recoverykit-winpe.iso' }
    else { throw 'Target UFD needs -Output <drive letter>, e.g. -Output E:' }
}
if ($Target -eq 'UFD' -and $Output -notmatch '^[A-Za-z]:$') {
    throw "For -Target UFD, -Output must be a drive letter like E:, not '$Output'"
}

function Test-Administrator {
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object Security.Principal.WindowsPrincipal($identity)
    return $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

# Runs an ADK batch tool inside the environment DandISetEnv.bat prepares; copype and
# MakeWinPEMedia depend on the variables it sets (WinPERoot, OSCDImgRoot, ...).
function Invoke-AdkCommand([string] $CommandLine) {
    Write-Host "> $CommandLine"
    & cmd.exe /c "call `"$script:DandISetEnv`" >nul && $CommandLine"
    if ($LASTEXITCODE -ne 0) { throw "ADK command failed ($LASTEXITCODE): $CommandLine" }
}

if (-not (Test-Administrator)) { throw 'DISM needs an elevated PowerShell (Run as administrator).' }

$AdkRoot = Join-Path ${env:ProgramFiles(x86)} 'Windows Kits\10\Assessment and Deployment Kit'
$script:DandISetEnv = Join-Path $AdkRoot 'Deployment Tools\DandISetEnv.bat'
if (-not (Test-Path $script:DandISetEnv)) { throw "Windows ADK not found ($script:DandISetEnv). Install the ADK and the Windows PE add-on." }
if (-not (Test-Path (Join-Path $AdkRoot 'Windows Preinstallation Environment\amd64'))) { throw 'The Windows PE add-on for the ADK is not installed.' }

# 1. The NativeAOT executable ---------------------------------------------------------------
if (-not $PublishDir) {
    $PublishDir = Join-Path $WorkDir 'publish'
    Write-Host '== dotnet publish (NativeAOT, win-x64)'
    & dotnet publish (Join-Path $RepoRoot 'src\RecoveryKit.Cli') -r win-x64 -c Release -o $PublishDir -nologo
    if ($LASTEXITCODE -ne 0) { throw "dotnet publish failed ($LASTEXITCODE)" }
}
$Exe = Join-Path $PublishDir 'recoverykit.exe'
if (-not (Test-Path $Exe)) { throw "No recoverykit.exe in $PublishDir" }

# 2. copype -----------------------------------------------------------------------------------
$PeDir = Join-Path $WorkDir 'pe'
$MountDir = Join-Path $PeDir 'mount'
if (Test-Path $MountDir) {
    # A mount left over from an interrupted run blocks copype and the next mount.
    & dism.exe /Unmount-Image "/MountDir:$MountDir" /Discard | Out-Null
}
if (Test-Path $PeDir) { Remove-Item -Recurse -Force $PeDir }
New-Item -ItemType Directory -Force -Path $WorkDir | Out-Null
Invoke-AdkCommand "copype amd64 `"$PeDir`""

# 3./4. Mount boot.wim, add the tool and the start script, commit -------------------------------
$BootWim = Join-Path $PeDir 'media\sources\boot.wim'
Write-Host '== DISM mount boot.wim'
& dism.exe /Mount-Image "/ImageFile:$BootWim" /Index:1 "/MountDir:$MountDir"
if ($LASTEXITCODE -ne 0) { throw "DISM /Mount-Image failed ($LASTEXITCODE)" }
$committed = $false
try {
    $System32 = Join-Path $MountDir 'Windows\System32'
    Copy-Item $Exe $System32
    # NativeAOT may leave native libraries beside the executable; they belong next to it.
    Get-ChildItem -Path $PublishDir -Filter '*.dll' | Copy-Item -Destination $System32
    Copy-Item (Join-Path $RepoRoot 'boot\winpe\startnet.cmd') (Join-Path $System32 'startnet.cmd') -Force
    if ($ExtraFiles) {
        Copy-Item -Recurse $ExtraFiles (Join-Path $MountDir 'recoverykit-files')
    }
    Write-Host '== DISM unmount /Commit'
    & dism.exe /Unmount-Image "/MountDir:$MountDir" /Commit
    if ($LASTEXITCODE -ne 0) { throw "DISM /Unmount-Image /Commit failed ($LASTEXITCODE)" }
    $committed = $true
}
finally {
    if (-not $committed) {
        Write-Warning 'Discarding the mounted image after an error.'
        & dism.exe /Unmount-Image "/MountDir:$MountDir" /Discard | Out-Null
    }
}

# 5. Medium -------------------------------------------------------------------------------------
if ($Target -eq 'ISO') {
    if (Test-Path $Output) { Remove-Item -Force $Output }
    Invoke-AdkCommand "MakeWinPEMedia /ISO `"$PeDir`" `"$Output`""
    Write-Host "== ISO ready: $Output ($([math]::Round((Get-Item $Output).Length / 1MB, 1)) MiB)"
}
elseif ($PSCmdlet.ShouldProcess($Output, 'Format the USB drive and write Windows PE')) {
    # /F skips MakeWinPEMedia's own confirmation; ShouldProcess above asked (or -Confirm:$false).
    Invoke-AdkCommand "MakeWinPEMedia /UFD /F `"$PeDir`" $Output"
    Write-Host "== USB drive $Output ready"
}
