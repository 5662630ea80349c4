package testkit

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/adler32"
	"hash/crc32"
)

// repeated is a DEFLATE stream of head, then block n times, then tail,
// built in time independent of n: the encoding of one block that follows
// another copy of itself is the same for every copy (a block of at least
// the 32 KiB window only ever refers back into the copy before it), so it
// is compressed once and written n-2 more times. Bombs of gigabytes then
// cost a test milliseconds, even under the race detector.
type repeated struct {
	head, block, tail []byte
	n                 int
}

// deflate returns the raw DEFLATE stream.
func (r repeated) deflate() []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	_, _ = fw.Write(r.head)
	_, _ = fw.Write(r.block)
	_ = fw.Flush()
	_, _ = fw.Write(r.block)
	_ = fw.Flush()
	mark := b.Len()
	_, _ = fw.Write(r.block)
	_ = fw.Flush()
	chunk := append([]byte(nil), b.Bytes()[mark:]...)
	for i := 3; i < r.n; i++ {
		b.Write(chunk)
	}
	// The tail as the final, stored block (a stored block starts on the
	// byte boundary the flush left).
	b.WriteByte(1)
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(r.tail)))
	_ = binary.Write(&b, binary.LittleEndian, ^uint16(len(r.tail)))
	b.Write(r.tail)
	return b.Bytes()
}

// size is the length of the inflated data.
func (r repeated) size() int { return len(r.head) + r.n*len(r.block) + len(r.tail) }

// zlib returns the stream in zlib's wrapping (what PDF's FlateDecode holds).
func (r repeated) zlib() []byte {
	out := []byte{0x78, 0xda}
	out = append(out, r.deflate()...)
	sum := adlerCombine(adler32.Checksum(r.head), adlerRepeat(r.block, r.n), int64(r.n)*int64(len(r.block)))
	sum = adlerCombine(sum, adler32.Checksum(r.tail), int64(len(r.tail)))
	return binary.BigEndian.AppendUint32(out, sum)
}

// crc32 is the IEEE CRC of the inflated data (what a zip entry carries).
func (r repeated) crc32() uint32 {
	sum := crc32.ChecksumIEEE(r.head)
	for range r.n {
		sum = crc32.Update(sum, crc32.IEEETable, r.block)
	}
	return crc32.Update(sum, crc32.IEEETable, r.tail)
}

// adlerRepeat is the Adler-32 of block written n times (n >= 1).
func adlerRepeat(block []byte, n int) uint32 {
	one, size := adler32.Checksum(block), int64(len(block))
	sum, have := uint32(1), false // the checksum of the empty string is 1
	for n > 0 {
		if n&1 == 1 {
			if have {
				sum = adlerCombine(sum, one, size)
			} else {
				sum, have = one, true
			}
		}
		one, size, n = adlerCombine(one, one, size), 2*size, n>>1
	}
	return sum
}

// adlerCombine is the Adler-32 of A followed by B from their checksums
// and B's length: the two running sums of B shift by A's.
func adlerCombine(a, b uint32, lenB int64) uint32 {
	const mod = 65521
	rem := uint64(lenB % mod)
	a1, a2 := uint64(a&0xffff), uint64(a>>16)
	b1, b2 := uint64(b&0xffff), uint64(b>>16)
	s1 := (a1 + b1 + mod - 1) % mod
	s2 := (rem*a1 + a2 + b2 + mod - rem) % mod
	return uint32(s1 | s2<<16)
}
