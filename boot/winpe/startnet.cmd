@echo off
rem RecoveryKit on Windows PE: started as \Windows\System32\startnet.cmd (ADK route,
rem scripts/build-winpe.ps1) or through winpeshl.ini (Linux route, scripts/build-winpe.sh).
rem Windows PE reaches only drives that still enumerate (SCSI pass-through); a drive that
rem hangs POST or no longer answers IDENTIFY PACKET needs the Linux recovery stick.

wpeinit

rem Data folder for firmware images and logs: the first X:\recoverykit\ or X:\firmware\
rem on any drive letter (USB stick, FAT data partition, the Windows partition).
set RECOVERYKIT_DATA=
for %%D in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do (
    if not defined RECOVERYKIT_DATA if exist %%D:\recoverykit\ set "RECOVERYKIT_DATA=%%D:\recoverykit"
)
for %%D in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do (
    if not defined RECOVERYKIT_DATA if exist %%D:\firmware\ set "RECOVERYKIT_DATA=%%D:\firmware"
)
if defined RECOVERYKIT_DATA goto have_data
set "RECOVERYKIT_DATA=X:\recoverykit"
mkdir "%RECOVERYKIT_DATA%" 2>nul
echo.
echo No folder named recoverykit or firmware was found on any drive.
echo Using %RECOVERYKIT_DATA% on the RAM disk: logs are LOST when Windows PE shuts down.
echo Copy logs to a stick before you power off, or create X:\recoverykit on a stick and reboot.
echo.
goto start
:have_data
echo Data folder: %RECOVERYKIT_DATA%

:start
cd /d "%RECOVERYKIT_DATA%"
:again
recoverykit.exe unbrick
echo.
echo recoverykit exited with code %ERRORLEVEL%.
echo   Enter: run again    S: command prompt    P: power off    R: reboot
set "RK_ANSWER="
set /p RK_ANSWER=Choice: 
if /i "%RK_ANSWER%"=="S" goto shell
if /i "%RK_ANSWER%"=="P" wpeutil shutdown
if /i "%RK_ANSWER%"=="R" wpeutil reboot
goto again
:shell
echo Type "recoverykit --help" for commands, "exit" to return to the wizard.
cmd /k
goto again
