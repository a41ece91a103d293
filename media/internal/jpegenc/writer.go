// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package jpegenc is Go 1.26's image/jpeg encoder (writer.go and the
// forward DCT), made faster for the media pipeline's 12 MP photos. The
// output format is the same — baseline, 4:2:0, the spec's Huffman and
// quantization tables — and so are the bytes for *image.YCbCr 4:2:0, RGBA
// and Gray images (tested against image/jpeg). What changed:
//
//   - quantization multiplies by a precomputed reciprocal instead of
//     dividing (exact for the DCT's range);
//   - a Huffman code and its extra bits go out in one call, through a
//     64-bit accumulator that writes four bytes at a time into a slice;
//   - a 4:2:0 *image.YCbCr (a decoded phone photo) is read plane by plane:
//     luma rows are copied, and chroma blocks come straight from the Cb and
//     Cr planes instead of being expanded to full size and averaged back.
package jpegenc

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"io"
	"math/bits"
)

type quantIndex int

const (
	quantIndexLuminance quantIndex = iota
	quantIndexChrominance
	nQuantIndex
)

// unscaledQuant are the unscaled quantization tables in zig-zag order. Each
// encoder copies and scales the tables according to its quality parameter.
// The values are derived from section K.1 of the spec, after converting from
// natural to zig-zag order.
var unscaledQuant = [nQuantIndex][blockSize]byte{
	// Luminance.
	{
		16, 11, 12, 14, 12, 10, 16, 14,
		13, 14, 18, 17, 16, 19, 24, 40,
		26, 24, 22, 22, 24, 49, 35, 37,
		29, 40, 58, 51, 61, 60, 57, 51,
		56, 55, 64, 72, 92, 78, 64, 68,
		87, 69, 55, 56, 80, 109, 81, 87,
		95, 98, 103, 104, 103, 62, 77, 113,
		121, 112, 100, 120, 92, 101, 103, 99,
	},
	// Chrominance.
	{
		17, 18, 18, 24, 21, 24, 47, 26,
		26, 47, 99, 66, 56, 66, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	},
}

type huffIndex int

const (
	huffIndexLuminanceDC huffIndex = iota
	huffIndexLuminanceAC
	huffIndexChrominanceDC
	huffIndexChrominanceAC
	nHuffIndex
)

// huffmanSpec specifies a Huffman encoding.
type huffmanSpec struct {
	// count[i] is the number of codes of length i+1 bits.
	count [16]byte
	// value[i] is the decoded value of the i'th codeword.
	value []byte
}

// theHuffmanSpec is the Huffman encoding specifications.
//
// This encoder uses the same Huffman encoding for all images. It is also the
// same Huffman encoding used by section K.3 of the spec.
//
// The DC tables have 12 decoded values, called categories.
//
// The AC tables have 162 decoded values: bytes that pack a 4-bit Run and a
// 4-bit Size. There are 16 valid Runs and 10 valid Sizes, plus two special R|S
// cases: 0|0 (meaning EOB) and F|0 (meaning ZRL).
var theHuffmanSpec = [nHuffIndex]huffmanSpec{
	// Luminance DC.
	{
		[16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Luminance AC.
	{
		[16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125},
		[]byte{
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12,
			0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
			0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
			0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
			0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16,
			0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
			0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
			0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
			0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
			0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
			0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
			0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
			0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
			0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
			0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
			0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4,
			0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
			0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
			0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
	// Chrominance DC.
	{
		[16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Chrominance AC.
	{
		[16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119},
		[]byte{
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21,
			0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
			0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
			0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
			0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34,
			0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
			0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38,
			0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
			0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
			0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
			0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
			0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
			0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96,
			0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
			0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
			0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
			0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
			0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
			0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
			0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
}

// huffmanLUT is a compiled look-up table representation of a huffmanSpec.
// Each value maps to a uint32 of which the 8 most significant bits hold the
// codeword size in bits and the 24 least significant bits hold the codeword.
// The maximum codeword size is 16 bits.
type huffmanLUT []uint32

func (h *huffmanLUT) init(s huffmanSpec) {
	maxValue := 0
	for _, v := range s.value {
		if int(v) > maxValue {
			maxValue = int(v)
		}
	}
	*h = make([]uint32, maxValue+1)
	code, k := uint32(0), 0
	for i := 0; i < len(s.count); i++ {
		nBits := uint32(i+1) << 24
		for j := uint8(0); j < s.count[i]; j++ {
			(*h)[s.value[k]] = nBits | code
			code++
			k++
		}
		code <<= 1
	}
}

// theHuffmanLUT are compiled representations of theHuffmanSpec.
var theHuffmanLUT [4]huffmanLUT

func init() {
	for i, s := range theHuffmanSpec {
		theHuffmanLUT[i].init(s)
	}
}

// unzig maps from the zig-zag ordering to the natural ordering.
var unzig = [blockSize]int{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

const (
	dhtMarker  = 0xc4
	dqtMarker  = 0xdb
	sof0Marker = 0xc0
)

// flushAt is how much output the encoder gathers before writing it out.
const flushAt = 64 << 10

// recipShift is the fixed point of the quantization reciprocals. A
// quotient x/d with d = 8·q ≤ 2040 and m = ⌈2^40/d⌉ is exactly (x·m)>>40
// for every x < 2^29 (the error m·d − 2^40 < 2^11 keeps x·(m − 2^40/d)
// under 1/d); the DCT's outputs are under 2^14.
const recipShift = 40

// encoder encodes an image to the JPEG format.
type encoder struct {
	// w is the writer to write to. err is the first error encountered during
	// writing. All attempted writes after the first error become no-ops.
	w   io.Writer
	err error
	// out is the output not yet written to w.
	out []byte
	// acc holds nAcc bits not yet in out, from its most significant bit.
	acc  uint64
	nAcc uint
	// buf is a scratch buffer.
	buf [16]byte
	// quant is the scaled quantization tables, in zig-zag order; recip and
	// half the reciprocal of 8·quant and half of 8·quant, for dividing by
	// it rounded to nearest.
	quant [nQuantIndex][blockSize]byte
	recip [nQuantIndex][blockSize]uint64
	half  [nQuantIndex][blockSize]uint64
	// zero is 8·quant/2 - 1: a coefficient a quantizes to zero exactly
	// when -zero <= a <= zero.
	zero [nQuantIndex][blockSize]int32
}

func (e *encoder) flush() {
	if e.err != nil || len(e.out) == 0 {
		return
	}
	_, e.err = e.w.Write(e.out)
	e.out = e.out[:0]
}

func (e *encoder) write(p []byte) { e.out = append(e.out, p...) }

func (e *encoder) writeByte(b byte) { e.out = append(e.out, b) }

// hasFF reports whether any byte of v is 0xff.
func hasFF(v uint32) bool {
	x := ^v
	return (x-0x01010101)&^x&0x80808080 != 0
}

// emit emits the least significant n bits of code to the bit-stream.
// The precondition is code < 1<<n && n <= 32.
func (e *encoder) emit(code uint32, n uint) {
	e.nAcc += n
	e.acc |= uint64(code) << (64 - e.nAcc)
	if e.nAcc < 32 {
		return
	}
	if v := uint32(e.acc >> 32); !hasFF(v) {
		e.out = binary.BigEndian.AppendUint32(e.out, v)
		e.acc <<= 32
		e.nAcc -= 32
		return
	}
	e.emitBytes()
}

// emitBytes moves the accumulator's whole bytes to out, each 0xff
// followed by a stuffed 0x00.
func (e *encoder) emitBytes() {
	for e.nAcc >= 8 {
		b := byte(e.acc >> 56)
		e.out = append(e.out, b)
		if b == 0xff {
			e.out = append(e.out, 0x00)
		}
		e.acc <<= 8
		e.nAcc -= 8
	}
}

// emitHuff emits the codeword x of a huffmanLUT.
func (e *encoder) emitHuff(x uint32) {
	e.emit(x&(1<<24-1), uint(x>>24))
}

// emitHuffRLE emits a run of runLength zeros followed by value, encoded with
// the Huffman table h: the codeword and value's extra bits in one emit.
func (e *encoder) emitHuffRLE(h huffmanLUT, runLength, value int32) {
	a, b := value, value
	if a < 0 {
		a, b = -value, value-1
	}
	n := uint32(bits.Len32(uint32(a)))
	x := h[runLength<<4|int32(n)]
	e.emit((x&(1<<24-1))<<n|uint32(b)&(1<<n-1), uint(x>>24+n))
}

// writeMarkerHeader writes the header for a marker with the given length.
func (e *encoder) writeMarkerHeader(marker uint8, markerlen int) {
	e.buf[0] = 0xff
	e.buf[1] = marker
	e.buf[2] = uint8(markerlen >> 8)
	e.buf[3] = uint8(markerlen & 0xff)
	e.write(e.buf[:4])
}

// writeDQT writes the Define Quantization Table marker.
func (e *encoder) writeDQT() {
	const markerlen = 2 + int(nQuantIndex)*(1+blockSize)
	e.writeMarkerHeader(dqtMarker, markerlen)
	for i := range e.quant {
		e.writeByte(uint8(i))
		e.write(e.quant[i][:])
	}
}

// writeSOF0 writes the Start Of Frame (Baseline Sequential) marker.
func (e *encoder) writeSOF0(size image.Point, nComponent int) {
	markerlen := 8 + 3*nComponent
	e.writeMarkerHeader(sof0Marker, markerlen)
	e.buf[0] = 8 // 8-bit color.
	e.buf[1] = uint8(size.Y >> 8)
	e.buf[2] = uint8(size.Y & 0xff)
	e.buf[3] = uint8(size.X >> 8)
	e.buf[4] = uint8(size.X & 0xff)
	e.buf[5] = uint8(nComponent)
	if nComponent == 1 {
		e.buf[6] = 1
		// No subsampling for grayscale image.
		e.buf[7] = 0x11
		e.buf[8] = 0x00
	} else {
		for i := 0; i < nComponent; i++ {
			e.buf[3*i+6] = uint8(i + 1)
			// We use 4:2:0 chroma subsampling.
			e.buf[3*i+7] = "\x22\x11\x11"[i]
			e.buf[3*i+8] = "\x00\x01\x01"[i]
		}
	}
	e.write(e.buf[:3*(nComponent-1)+9])
}

// writeDHT writes the Define Huffman Table marker.
func (e *encoder) writeDHT(nComponent int) {
	markerlen := 2
	specs := theHuffmanSpec[:]
	if nComponent == 1 {
		// Drop the Chrominance tables.
		specs = specs[:2]
	}
	for _, s := range specs {
		markerlen += 1 + 16 + len(s.value)
	}
	e.writeMarkerHeader(dhtMarker, markerlen)
	for i, s := range specs {
		e.writeByte("\x00\x10\x01\x11"[i])
		e.write(s.count[:])
		e.write(s.value)
	}
}

// writeBlock writes a block of pixel data using the given quantization table,
// returning the post-quantized DC value of the DCT-transformed block. b is in
// natural (not zig-zag) order.
func (e *encoder) writeBlock(b *block, q quantIndex, prevDC int32) int32 {
	fdct(b)
	recip, half := &e.recip[q], &e.half[q]
	// Emit the DC delta.
	dc := quantize(b[0], recip[0], half[0])
	e.emitHuffRLE(theHuffmanLUT[2*q+0], 0, dc-prevDC)
	// Quantize the AC components in zig-zag order, noting which are not
	// zero, then emit them by that mask: runs of zeros are the distances
	// between its bits, with no branch per zero coefficient.
	var coef [blockSize]int32
	var nonzero uint64
	zero := &e.zero[q]
	for zig := 1; zig < blockSize; zig++ {
		a := b[unzig[zig]]
		// Most high-frequency coefficients quantize to zero: a comparison
		// tells without the multiplication.
		if uint32(a+zero[zig]) <= uint32(2*zero[zig]) {
			continue
		}
		coef[zig] = quantize(a, recip[zig], half[zig])
		nonzero |= 1 << zig
	}
	h, last := theHuffmanLUT[2*q+1], 0
	for nonzero != 0 {
		zig := bits.TrailingZeros64(nonzero)
		nonzero &= nonzero - 1
		runLength := int32(zig - last - 1)
		for runLength > 15 {
			e.emitHuff(h[0xf0])
			runLength -= 16
		}
		e.emitHuffRLE(h, runLength, coef[zig])
		last = zig
	}
	if last != blockSize-1 {
		e.emitHuff(h[0x00])
	}
	return dc
}

// quantize is a/d rounded to the nearest integer, halves away from zero
// (image/jpeg's div), for d given as its reciprocal and half.
func quantize(a int32, recip, half uint64) int32 {
	sign := a >> 31
	abs := uint64((a ^ sign) - sign)
	q := int32((abs + half) * recip >> recipShift)
	return (q ^ sign) - sign
}

// toYCbCr converts the 8x8 region of m whose top-left corner is p to its
// YCbCr values.
func toYCbCr(m image.Image, p image.Point, yBlock, cbBlock, crBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			r, g, b, _ := m.At(min(p.X+i, xmax), min(p.Y+j, ymax)).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
			yBlock[8*j+i] = int32(yy)
			cbBlock[8*j+i] = int32(cb)
			crBlock[8*j+i] = int32(cr)
		}
	}
}

// grayToY stores the 8x8 region of m whose top-left corner is p in yBlock.
func grayToY(m *image.Gray, p image.Point, yBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	pix := m.Pix
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			idx := m.PixOffset(min(p.X+i, xmax), min(p.Y+j, ymax))
			yBlock[8*j+i] = int32(pix[idx])
		}
	}
}

// rgbaToYCbCr is a specialized version of toYCbCr for image.RGBA images.
func rgbaToYCbCr(m *image.RGBA, p image.Point, yBlock, cbBlock, crBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	for j := 0; j < 8; j++ {
		sj := min(p.Y+j, ymax)
		offset := (sj-b.Min.Y)*m.Stride - b.Min.X*4
		for i := 0; i < 8; i++ {
			sx := min(p.X+i, xmax)
			pix := m.Pix[offset+sx*4:]
			yy, cb, cr := color.RGBToYCbCr(pix[0], pix[1], pix[2])
			yBlock[8*j+i] = int32(yy)
			cbBlock[8*j+i] = int32(cb)
			crBlock[8*j+i] = int32(cr)
		}
	}
}

// yCbCrToYCbCr is a specialized version of toYCbCr for image.YCbCr images.
func yCbCrToYCbCr(m *image.YCbCr, p image.Point, yBlock, cbBlock, crBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	for j := 0; j < 8; j++ {
		sy := min(p.Y+j, ymax)
		for i := 0; i < 8; i++ {
			sx := min(p.X+i, xmax)
			yi := m.YOffset(sx, sy)
			ci := m.COffset(sx, sy)
			yBlock[8*j+i] = int32(m.Y[yi])
			cbBlock[8*j+i] = int32(m.Cb[ci])
			crBlock[8*j+i] = int32(m.Cr[ci])
		}
	}
}

// scale scales the 16x16 region represented by the 4 src blocks to the 8x8
// dst block.
func scale(dst *block, src *[4]block) {
	for i := 0; i < 4; i++ {
		dstOff := (i&2)<<4 | (i&1)<<2
		for y := 0; y < 4; y++ {
			for x := 0; x < 4; x++ {
				j := 16*y + 2*x
				sum := src[i][j] + src[i][j+1] + src[i][j+8] + src[i][j+9]
				dst[8*y+x+dstOff] = (sum + 2) >> 2
			}
		}
	}
}

// sosHeaderY is the SOS marker "\xff\xda" followed by 8 bytes:
//   - the marker length "\x00\x08",
//   - the number of components "\x01",
//   - component 1 uses DC table 0 and AC table 0 "\x01\x00",
//   - the bytes "\x00\x3f\x00". Section B.2.3 of the spec says that for
//     sequential DCTs, those bytes (8-bit Ss, 8-bit Se, 4-bit Ah, 4-bit Al)
//     should be 0x00, 0x3f, 0x00<<4 | 0x00.
var sosHeaderY = []byte{
	0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
}

// sosHeaderYCbCr is the SOS marker "\xff\xda" followed by 12 bytes:
//   - the marker length "\x00\x0c",
//   - the number of components "\x03",
//   - component 1 uses DC table 0 and AC table 0 "\x01\x00",
//   - component 2 uses DC table 1 and AC table 1 "\x02\x11",
//   - component 3 uses DC table 1 and AC table 1 "\x03\x11",
//   - the bytes "\x00\x3f\x00". Section B.2.3 of the spec says that for
//     sequential DCTs, those bytes (8-bit Ss, 8-bit Se, 4-bit Ah, 4-bit Al)
//     should be 0x00, 0x3f, 0x00<<4 | 0x00.
var sosHeaderYCbCr = []byte{
	0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02,
	0x11, 0x03, 0x11, 0x00, 0x3f, 0x00,
}

// writeSOS writes the StartOfScan marker, and the image data: m through
// t when t is not nil (m is then a 4:2:0 YCbCr at the origin).
func (e *encoder) writeSOS(m image.Image, t *Transform) {
	switch m := m.(type) {
	case *image.Gray:
		e.write(sosHeaderY)
		var b block // in natural (not zig-zag) order
		var prevDCY int32
		bounds := m.Bounds()
		for y := bounds.Min.Y; y < bounds.Max.Y; y += 8 {
			for x := bounds.Min.X; x < bounds.Max.X; x += 8 {
				grayToY(m, image.Pt(x, y), &b)
				prevDCY = e.writeBlock(&b, 0, prevDCY)
			}
			e.flushIfFull()
		}
	case *image.YCbCr:
		e.write(sosHeaderYCbCr)
		switch {
		case t != nil:
			e.writePlanes(m, *t)
		case m.SubsampleRatio == image.YCbCrSubsampleRatio420 && m.Rect.Min == (image.Point{}):
			e.writePlanes(m, Transform{})
		default:
			e.writeMCUs(m)
		}
	default:
		e.write(sosHeaderYCbCr)
		e.writeMCUs(m)
	}
	// Pad the last byte with 1's.
	e.emit(0x7f, 7)
	e.emitBytes()
}

// writePlanes writes a 4:2:0 m (at the origin) read through t: 16x16 luma
// and 8x8 chroma per MCU, straight from the planes.
func (e *encoder) writePlanes(m *image.YCbCr, t Transform) {
	var (
		b                           block
		prevDCY, prevDCCb, prevDCCr int32
	)
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	luma := newView(m.Y, m.YStride, w, h, t)
	cb, cr := newView(m.Cb, m.CStride, cw, ch, t), newView(m.Cr, m.CStride, cw, ch, t)
	for y := 0; y < luma.h; y += 16 {
		for x := 0; x < luma.w; x += 16 {
			for i := 0; i < 4; i++ {
				luma.block(x+(i&1)*8, y+(i&2)*4, &b)
				prevDCY = e.writeBlock(&b, 0, prevDCY)
			}
			cb.block(x/2, y/2, &b)
			prevDCCb = e.writeBlock(&b, 1, prevDCCb)
			cr.block(x/2, y/2, &b)
			prevDCCr = e.writeBlock(&b, 1, prevDCCr)
		}
		e.flushIfFull()
	}
}

// Transform is how EncodeTransformed reads an image: transposed (x and y
// swapped) when Swap, then mirrored along x and/or y. The eight EXIF
// orientations are the eight combinations.
type Transform struct{ Swap, FlipX, FlipY bool }

// view is a plane as seen through a Transform: the sample at (x, y) of the
// w×h result is pix[origin + x·stepX + y·stepY].
type view struct {
	pix                  []byte
	w, h                 int
	origin, stepX, stepY int
}

// newView sees the sw×sh plane pix (rows stride apart) through t.
func newView(pix []byte, stride, sw, sh int, t Transform) view {
	v := view{pix: pix, w: sw, h: sh, stepX: 1, stepY: stride}
	if t.Swap {
		v.w, v.h, v.stepX, v.stepY = sh, sw, stride, 1
	}
	if t.FlipX {
		v.origin += (v.w - 1) * v.stepX
		v.stepX = -v.stepX
	}
	if t.FlipY {
		v.origin += (v.h - 1) * v.stepY
		v.stepY = -v.stepY
	}
	return v
}

// block copies the 8x8 samples whose top-left corner is (x, y) into b,
// repeating the last column and row past the edges.
func (v *view) block(x, y int, b *block) {
	if x+8 > v.w || y+8 > v.h {
		for j := 0; j < 8; j++ {
			row := v.origin + min(y+j, v.h-1)*v.stepY
			for i := 0; i < 8; i++ {
				b[8*j+i] = int32(v.pix[row+min(x+i, v.w-1)*v.stepX])
			}
		}
		return
	}
	start := v.origin + x*v.stepX + y*v.stepY
	if v.stepX == 1 {
		for j := 0; j < 8; j++ {
			row := v.pix[start+j*v.stepY : start+j*v.stepY+8]
			d := b[8*j : 8*j+8]
			d[0], d[1], d[2], d[3] = int32(row[0]), int32(row[1]), int32(row[2]), int32(row[3])
			d[4], d[5], d[6], d[7] = int32(row[4]), int32(row[5]), int32(row[6]), int32(row[7])
		}
		return
	}
	for j := 0; j < 8; j++ {
		si := start + j*v.stepY
		d := b[8*j : 8*j+8]
		for i := range d {
			d[i] = int32(v.pix[si])
			si += v.stepX
		}
	}
}

// writeMCUs writes m's pixels converted to YCbCr and subsampled 4:2:0,
// 16x16 at a time: image/jpeg's way for everything but Gray.
func (e *encoder) writeMCUs(m image.Image) {
	var (
		b                           block
		cb, cr                      [4]block
		prevDCY, prevDCCb, prevDCCr int32
	)
	bounds := m.Bounds()
	rgba, _ := m.(*image.RGBA)
	ycbcr, _ := m.(*image.YCbCr)
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 16 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 16 {
			for i := 0; i < 4; i++ {
				xOff := (i & 1) * 8
				yOff := (i & 2) * 4
				p := image.Pt(x+xOff, y+yOff)
				switch {
				case rgba != nil:
					rgbaToYCbCr(rgba, p, &b, &cb[i], &cr[i])
				case ycbcr != nil:
					yCbCrToYCbCr(ycbcr, p, &b, &cb[i], &cr[i])
				default:
					toYCbCr(m, p, &b, &cb[i], &cr[i])
				}
				prevDCY = e.writeBlock(&b, 0, prevDCY)
			}
			scale(&b, &cb)
			prevDCCb = e.writeBlock(&b, 1, prevDCCb)
			scale(&b, &cr)
			prevDCCr = e.writeBlock(&b, 1, prevDCCr)
		}
		e.flushIfFull()
	}
}

func (e *encoder) flushIfFull() {
	if len(e.out) >= flushAt {
		e.flush()
	}
}

// DefaultQuality is the default quality encoding parameter.
const DefaultQuality = 75

// Options are the encoding parameters.
// Quality ranges from 1 to 100 inclusive, higher is better.
type Options struct {
	Quality int
}

// Encode writes the Image m to w in JPEG 4:2:0 baseline format with the given
// options. Default parameters are used if a nil *[Options] is passed.
func Encode(w io.Writer, m image.Image, o *Options) error {
	return encode(w, m, nil, o)
}

// EncodeTransformed writes m as Encode would write m transformed by t,
// without making the transformed copy: the encoder reads m's planes through
// t. m must be 4:2:0, at the origin, with an even width and height (else a
// mirrored chroma plane would be off by a pixel).
func EncodeTransformed(w io.Writer, m *image.YCbCr, t Transform, o *Options) error {
	if m.SubsampleRatio != image.YCbCrSubsampleRatio420 || m.Rect.Min != (image.Point{}) || m.Rect.Dx()%2 != 0 || m.Rect.Dy()%2 != 0 {
		return errors.New("jpegenc: EncodeTransformed takes a 4:2:0 image at the origin with an even size")
	}
	return encode(w, m, &t, o)
}

// encode writes m, through t when t is not nil (m is then a 4:2:0 YCbCr).
func encode(w io.Writer, m image.Image, t *Transform, o *Options) error {
	b := m.Bounds()
	if t != nil && t.Swap {
		b = image.Rect(0, 0, b.Dy(), b.Dx())
	}
	if b.Dx() >= 1<<16 || b.Dy() >= 1<<16 {
		return errors.New("jpeg: image is too large to encode")
	}
	e := encoder{w: w, out: make([]byte, 0, flushAt+4<<10)}
	// Clip quality to [1, 100].
	quality := DefaultQuality
	if o != nil {
		quality = min(max(o.Quality, 1), 100)
	}
	// Convert from a quality rating to a scaling factor.
	var scale int
	if quality < 50 {
		scale = 5000 / quality
	} else {
		scale = 200 - quality*2
	}
	// Initialize the quantization tables.
	for i := range e.quant {
		for j := range e.quant[i] {
			x := int(unscaledQuant[i][j])
			x = (x*scale + 50) / 100
			x = min(max(x, 1), 255)
			e.quant[i][j] = uint8(x)
			d := uint64(8 * x)
			e.recip[i][j] = (1<<recipShift + d - 1) / d
			e.half[i][j] = d >> 1
			e.zero[i][j] = int32(d>>1) - 1
		}
	}
	// Compute number of components based on input image type.
	nComponent := 3
	if _, ok := m.(*image.Gray); ok {
		nComponent = 1
	}
	// Write the Start Of Image marker.
	e.buf[0] = 0xff
	e.buf[1] = 0xd8
	e.write(e.buf[:2])
	// Write the quantization tables.
	e.writeDQT()
	// Write the image dimensions.
	e.writeSOF0(b.Size(), nComponent)
	// Write the Huffman tables.
	e.writeDHT(nComponent)
	// Write the image data.
	e.writeSOS(m, t)
	// Write the End Of Image marker.
	e.buf[0] = 0xff
	e.buf[1] = 0xd9
	e.write(e.buf[:2])
	e.flush()
	return e.err
}
