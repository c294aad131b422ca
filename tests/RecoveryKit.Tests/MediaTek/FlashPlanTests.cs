using RecoveryKit.Diagnostics;
using RecoveryKit.Emulation;
using RecoveryKit.MediaTek;
using RecoveryKit.Profiles;

namespace RecoveryKit.Tests.MediaTek;

public sealed class FlashPlanTests
{
    private static readonly ChipSpec Sst = ProfileCatalog.FindChip("SST39VF080")!;
    private static readonly FlashRange Boot = new(0, 0x10000);

    private static byte[] Filled(int seed)
    {
        var data = new byte[Sst.SizeBytes];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public void Unchanged_sectors_are_kept_and_only_changed_ones_planned()
    {
        var current = Filled(1);
        var image = current.ToArray();
        image[0x23456] ^= 0x01;

        var plan = FlashPlan.Create(Sst, current, image, Boot, writeBootCode: false);

        var work = plan.Sectors.Where(s => s.Action != SectorAction.Keep).ToList();
        Assert.Equal(0x23, Assert.Single(work).Sector.Index);
        Assert.Equal(1, plan.SectorsToWrite);
        Assert.False(plan.NothingToDo);
    }

    [Fact]
    public void Only_clearing_bits_is_a_program_without_erase_counting_only_the_different_bytes()
    {
        var current = Filled(2);
        var image = current.ToArray();
        var sector = Sst.Sectors[100];
        current.AsSpan((int)sector.Start, sector.Size).Fill(0xFF);
        image[sector.Start + 3] = 0xFF; // same as the chip: nothing to program

        var plan = FlashPlan.Create(Sst, current, image, Boot, writeBootCode: false);

        var step = plan.Sectors.Single(s => s.Sector.Index == 100);
        Assert.Equal(SectorAction.Program, step.Action);
        Assert.Equal(image.AsSpan((int)sector.Start, sector.Size).ToArray().Count(b => b != 0xFF), step.BytesToProgram);
        Assert.Equal(0, plan.SectorsToErase);
    }

    [Fact]
    public void A_bit_that_must_become_1_needs_erase_and_FF_bytes_are_not_programmed()
    {
        var current = Filled(3);
        var image = current.ToArray();
        var sector = Sst.Sectors[50];
        current[sector.Start] = 0x00;
        image[sector.Start] = 0x01;
        image.AsSpan((int)sector.Start + 100, 1000).Fill(0xFF);

        var plan = FlashPlan.Create(Sst, current, image, Boot, writeBootCode: false);

        var step = plan.Sectors.Single(s => s.Sector.Index == 50);
        Assert.Equal(SectorAction.EraseAndProgram, step.Action);
        Assert.Equal(image.AsSpan((int)sector.Start, sector.Size).ToArray().Count(b => b != 0xFF), step.BytesToProgram);
        Assert.Equal(1, plan.SectorsToErase);
    }

    [Fact]
    public void A_different_boot_block_is_left_alone_without_write_bootcode_and_the_plan_says_so()
    {
        var current = Filled(4);
        var image = current.ToArray();
        image[0x100] ^= 0xFF;
        image[0x80000] ^= 0xFF;

        var plan = FlashPlan.Create(Sst, current, image, Boot, writeBootCode: false);

        var boot = plan.Sectors.Single(s => s.Sector.Index == 0);
        Assert.Equal(SectorAction.Keep, boot.Action);
        Assert.True(boot.BootBlockLeftAlone);
        Assert.True(boot.InBootBlock);
        Assert.True(plan.BootBlockDiffers);
        Assert.False(plan.RewritesBootBlock);
        Assert.Contains("left untouched", FlashSession.Describe(plan));
        Assert.Contains("--write-bootcode", FlashSession.Describe(plan));
    }

    [Fact]
    public void With_write_bootcode_the_boot_block_sectors_come_last()
    {
        var current = Filled(5);
        var image = current.ToArray();
        image[0x100] ^= 0xFF;
        image[0xF100] ^= 0xFF;
        image[0x80000] ^= 0xFF;
        image[0xFFFFF] ^= 0xFF;

        var plan = FlashPlan.Create(Sst, current, image, Boot, writeBootCode: true);

        var work = plan.Sectors.Where(s => s.Action != SectorAction.Keep).Select(s => s.Sector.Index).ToList();
        Assert.Equal([0x80, 0xFF, 0x00, 0x0F], work);
        Assert.True(plan.RewritesBootBlock);
        Assert.Contains("REWRITTEN", FlashSession.Describe(plan));
    }

    [Fact]
    public void An_identical_boot_block_is_not_rewritten_even_with_write_bootcode()
    {
        var current = Filled(6);
        var image = current.ToArray();
        image[0x80000] ^= 0xFF;

        var plan = FlashPlan.Create(Sst, current, image, Boot, writeBootCode: true);

        Assert.False(plan.RewritesBootBlock);
        Assert.False(plan.BootBlockDiffers);
    }
}

public sealed class FlasherSessionTests
{
    [Fact]
    public void An_update_erases_and_programs_exactly_what_the_plan_says_and_nothing_else()
    {
        using var rig = MtkRig.Scenario("update-ldw411s");
        var written = new HashSet<int>();
        var progress = new InlineProgress<FlashProgress>(p => { if (p.Stage is "erase" or "program") written.Add(p.Sector); });

        var outcome = rig.Run(rig.Request(progress: progress));

        var plan = outcome.Plan;
        Assert.Contains(plan.Sectors, s => s.Action == SectorAction.Keep);
        Assert.Equal(plan.Sectors.Where(s => s.Action != SectorAction.Keep).Select(s => s.Sector.Index).ToHashSet(), written);
        Assert.Equal(plan.SectorsToErase, rig.Flash.SectorErases);
        Assert.Equal(plan.BytesToProgram, rig.Flash.BytesProgrammed);
        Assert.Equal(0, rig.Flash.NeedlessFFPrograms);
        Assert.Equal(0, outcome.Report.Retries);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
    }

    [Fact]
    public void A_second_run_with_the_same_image_writes_nothing()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        rig.Run();
        var erases = rig.Flash.SectorErases;
        var programs = rig.Flash.BytesProgrammed;

        var again = rig.Run();

        Assert.True(again.Plan.NothingToDo);
        Assert.Equal(erases, rig.Flash.SectorErases);
        Assert.Equal(programs, rig.Flash.BytesProgrammed);
        Assert.Equal("FS0J", again.Outro.Inquiry!.Revision);
    }

    [Fact]
    public void Only_clearing_bits_programs_without_any_erase()
    {
        // A write of FS0J stopped halfway: the rest is erased (FFh), so programming alone finishes it.
        using var rig = MtkRig.Create(new MtkDriveSetup("LDW-411S", "SST39VF080", "FS0J", "FS0J", RecoveryKit.Firmware.Corruption.HalfWritten, 411));
        Assert.Equal(MtkDriveMode.BootCode, rig.Drive.Mode);

        var outcome = rig.Run();

        Assert.All(outcome.Plan.Sectors, s => Assert.NotEqual(SectorAction.EraseAndProgram, s.Action));
        Assert.Contains(outcome.Plan.Sectors, s => s.Action == SectorAction.Program);
        Assert.Equal(0, rig.Flash.SectorErases);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
    }

    private static byte[] WithOtherBootCode(byte[] image)
    {
        var copy = image.ToArray();
        copy[0x200] ^= 0x81;
        copy[0xF000] ^= 0x18;
        return copy;
    }

    [Fact]
    public void Without_write_bootcode_a_different_boot_block_is_left_alone_and_the_drive_still_comes_back()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var boot = rig.Flash.Contents[..0x10000].ToArray();
        var image = WithOtherBootCode(rig.Image);
        var stages = new List<StageEvent>();
        var request = rig.Request(image: image);

        var outcome = rig.Run(new FlashRequest
        {
            Image = request.Image, ImageName = request.ImageName, Profile = request.Profile, Family = request.Family,
            BackupPath = request.BackupPath, Stages = new InlineProgress<StageEvent>(stages.Add),
        });

        Assert.True(rig.Flash.Contents[..0x10000].SequenceEqual(boot));
        Assert.True(rig.Flash.Contents[0x10000..].SequenceEqual(image.AsSpan(0x10000)));
        Assert.True(outcome.Plan.BootBlockDiffers);
        Assert.False(outcome.Plan.RewritesBootBlock);
        Assert.Contains(stages, s => s.Stage == "plan" && s.Message.Contains("left untouched"));
        Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
    }

    [Fact]
    public void With_write_bootcode_a_different_boot_block_is_written_last_and_verified()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var image = WithOtherBootCode(rig.Image);
        var order = new List<int>();
        var progress = new InlineProgress<FlashProgress>(p => { if (p.Stage == "done") order.Add(p.Sector); });

        var outcome = rig.Run(rig.Request(image: image, writeBootCode: true, progress: progress));

        var bootSectors = outcome.Plan.Sectors.Where(s => s.InBootBlock && s.Action != SectorAction.Keep).Select(s => s.Sector.Index).ToList();
        Assert.Equal([0x00, 0x0F], bootSectors);
        Assert.Equal(bootSectors, order.TakeLast(2));
        Assert.True(order.Count > 2);
        Assert.True(rig.Flash.Contents.SequenceEqual(image));
        Assert.Equal(SectorState.New, outcome.Report.States[0]);
        Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
    }

    [Fact]
    public void A_flipped_read_during_verify_is_retried_and_the_run_succeeds()
    {
        using var rig = MtkRig.Scenario("update-ldw411s");
        var armed = false;
        var progress = new InlineProgress<FlashProgress>(p =>
        {
            if (p.Stage == "verify" && !armed)
            {
                armed = true;
                rig.Drive.Faults.FlipReadNumber = rig.Drive.MailboxReads + 10;
            }
        });

        var outcome = rig.Run(rig.Request(progress: progress));

        Assert.True(armed);
        Assert.True(outcome.Report.Retries >= 1);
        Assert.True(rig.Flash.Contents.SequenceEqual(rig.Image));
        Assert.Equal("FS0J", outcome.Outro.Inquiry!.Revision);
    }

    [Fact]
    public void Cancellation_stops_between_sectors_with_every_sector_old_or_new()
    {
        using var rig = MtkRig.Scenario("update-ldw411s");
        var before = rig.Flash.Contents.ToArray();
        using var cancel = new CancellationTokenSource();
        var done = 0;
        var progress = new InlineProgress<FlashProgress>(p =>
        {
            if (p.Stage == "done" && ++done == 3)
                cancel.Cancel();
        });

        var failure = rig.Fails(rig.Request(cancel: cancel.Token, progress: progress));

        Assert.Equal(FailureKind.Cancelled, failure.Kind);
        Assert.DoesNotContain("unknown", failure.Detail);
        Assert.DoesNotContain("erased", failure.Detail);
        Assert.Contains("new: ", failure.Detail);
        var spec = rig.Flash.Spec;
        var newSectors = 0;
        foreach (var sector in spec.Sectors)
        {
            var now = rig.Flash.Contents.Slice((int)sector.Start, sector.Size);
            var isOld = now.SequenceEqual(before.AsSpan((int)sector.Start, sector.Size));
            var isNew = now.SequenceEqual(rig.Image.AsSpan((int)sector.Start, sector.Size));
            Assert.True(isOld || isNew, $"sector {sector.Index} is neither old nor new");
            if (isNew && !isOld)
                newSectors++;
        }
        Assert.Equal(3, newSectors);
    }
}

internal sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}

public sealed class PageAndConfirmTests
{
    [Fact]
    public void The_flasher_writes_a_page_write_part_page_by_page_and_verifies()
    {
        using var rig = MtkRig.WithChip("W29C020");
        var (_, mailbox) = rig.EnterVendorMode();
        var spec = rig.Flash.Spec;
        var chip = new FlashChip(mailbox, spec, rig.Clock);
        var current = rig.Flash.Contents.ToArray();
        var image = current.ToArray();
        image[0x20000] ^= 0xFF;                       // a bit that must become 1: no erase on a page part
        image.AsSpan(0x30080, 0x80).Fill(0xFF);       // a whole page to FFh

        var plan = FlashPlan.Create(spec, current, image, new FlashRange(0, 0x10000), writeBootCode: false);
        var report = new Flasher(chip).Execute(plan, current, image, null, default);

        Assert.Equal(2, plan.SectorsToWrite);
        Assert.Equal(0, plan.SectorsToErase);
        Assert.Equal(2, rig.Flash.PageWrites);
        Assert.Equal(0, rig.Flash.SectorErases);
        Assert.True(rig.Flash.Contents.SequenceEqual(image));
        Assert.Equal(SectorState.New, report.States[0x20000 / 128]);
    }

    [Fact]
    public void Declining_the_boot_code_confirmation_cancels_before_anything_is_erased()
    {
        using var rig = MtkRig.Scenario("dead-ldw411s");
        var image = rig.Image.ToArray();
        image[0x300] ^= 0x42;
        var before = rig.Flash.Contents.ToArray();
        var asked = 0;
        var template = rig.Request(image: image, writeBootCode: true);
        var request = new FlashRequest
        {
            Image = template.Image, ImageName = template.ImageName, Profile = template.Profile, Family = template.Family,
            BackupPath = template.BackupPath, WriteBootCode = true,
            Confirm = _ => true,
            ConfirmBootCode = plan => { asked++; Assert.True(plan.RewritesBootBlock); return false; },
        };

        var failure = rig.Fails(request);

        Assert.Equal(1, asked);
        Assert.Equal(FailureKind.Cancelled, failure.Kind);
        Assert.True(rig.Flash.Contents.SequenceEqual(before));
        Assert.Equal(0, rig.Flash.SectorErases);
        Assert.Equal(0, rig.Flash.BytesProgrammed);
        Assert.NotEqual(MtkDriveMode.Vendor, rig.Drive.Mode);
    }
}
