using CsCheck;
using RecoveryKit.Diagnostics;
using RecoveryKit.Firmware;
using RecoveryKit.MediaTek;

namespace RecoveryKit.Tests.MediaTek;

/// <summary>
/// The key-block journal (issue 13's drive-unique data, and the fault campaign's dead-dg16d4s finding): its text
/// format, and the rule that tells a key block cut mid-erase or mid-program from another drive's key.
/// </summary>
public sealed class KeyJournalTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rk-keyjournal-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly Gen<string> Word = Gen.Char["A-Za-z0-9-_."].Array[1, 20].Select(c => new string(c));

    [Fact]
    public void A_journal_reads_back_as_it_was_written()
    {
        var gen = Gen.Select(Word, Gen.Int[0, 0x200000], Gen.Int[1, 0x10000], Word, Word, Word.Null(), Word);
        gen.Sample((profile, start, length, hash, backup, copy, sha) =>
        {
            var journal = new KeyJournal(profile, start, length, hash, Path.Combine(_dir.FullName, backup), copy is null ? null : Path.Combine(_dir.FullName, copy), sha);
            var path = Path.Combine(_dir.FullName, "keys", Guid.NewGuid().ToString("N") + ".pending"); // samples run in parallel

            KeyJournal.Write(path, journal);

            Assert.Equal(journal, KeyJournal.Read(path));
        }, iter: 200);
    }

    [Fact]
    public void No_journal_reads_as_null_and_a_damaged_one_is_a_typed_file_error()
    {
        Assert.Null(KeyJournal.Read(Path.Combine(_dir.FullName, "none.pending")));
        var path = Path.Combine(_dir.FullName, "bad.pending");
        File.WriteAllText(path, "profile=DG-16D4S\nstart=twelve\n");

        var ex = Assert.Throws<RecoveryKitException>(() => KeyJournal.Read(path));

        Assert.Equal(FailureKind.FileError, ex.Failure.Kind);
        Assert.Equal("key-block", ex.Failure.Stage);
    }

    [Fact]
    public void What_a_cut_erase_or_program_leaves_looks_interrupted()
    {
        // NOR flash: an erase only sets bits (towards FFh), a program only clears the bits the data has clear. A cut
        // leaves, per byte, the key with some of its zero bits set: key | noise, FFh (blank) included.
        Gen.Select(Gen.Byte.Array[1, 64], Gen.Byte.Array[64]).Sample((key, noise) =>
        {
            var cut = key.Select((b, i) => (byte)(b | noise[i])).ToArray();
            Assert.True(KeyJournal.LooksInterrupted(cut, key));
            Assert.True(KeyJournal.LooksInterrupted(Enumerable.Repeat((byte)0xFF, key.Length).ToArray(), key));
        });
    }

    [Fact]
    public void A_byte_with_a_bit_cleared_that_the_key_has_set_is_another_drives_key()
    {
        Gen.Select(Gen.Byte.Array[1, 64], Gen.Int[0, 63], Gen.Int[0, 7]).Where((key, at, _) => at < key.Length).Sample((key, at, bit) =>
        {
            var other = key.ToArray();
            other[at] = (byte)(key[at] & ~(1 << bit));
            Assert.Equal(other[at] == key[at], KeyJournal.LooksInterrupted(other, key));
        });
    }

    [Fact]
    public void The_backup_is_found_by_its_hash_its_copy_serves_when_it_is_gone_and_neither_is_a_typed_refusal()
    {
        var block = new KeyBlock(0x100, 16, new Evidence(EvidenceGrade.VerifiedDecompiled, "test"));
        var flash = new byte[0x1000];
        new Random(7).NextBytes(flash);
        var backup = Path.Combine(_dir.FullName, "backup.bin");
        var copy = Path.Combine(_dir.FullName, "copy.bin");
        File.WriteAllBytes(copy, flash);
        var journal = new KeyJournal("DG-16D4S", 0x100, 16, block.Hash(flash), backup, copy, KeyJournal.Sha256(flash));

        Assert.Equal(flash, journal.LoadBackup(block, flash.Length)); // the first is missing: the copy

        File.WriteAllBytes(copy, new byte[flash.Length]); // another file under the copy's name
        var ex = Assert.Throws<RecoveryKitException>(() => journal.LoadBackup(block, flash.Length));
        Assert.Equal(FailureKind.FileError, ex.Failure.Kind);
        Assert.Contains(journal.KeyHash, ex.Failure.Cause, StringComparison.Ordinal);
    }
}
