//! Variable blocked sequences: each message is preceded by a 4-byte big-endian record descriptor
//! word (RDW) holding its length; a zero RDW ends the file. Optionally the whole stream is cut into
//! blocks of 1012 data bytes, each followed by two `0x40` bytes, the last block padded with `0x40`.

use std::io::{self, Read, Write};

use crate::feeds::FileError;

pub const BLOCK_DATA: usize = 1012;
pub const BLOCK_LEN: usize = 1014;
const PAD: u8 = 0x40;
/// The longest message we accept; a larger RDW means a damaged file.
pub const MAX_MESSAGE: usize = 20_000;

/// Reads messages, unblocking transparently when the file is 1014-blocked.
pub struct VbsReader<R> {
    input: R,
    blocked: bool,
    block: Vec<u8>,
    at: usize,
    blocks: u64,
}

impl<R: Read> VbsReader<R> {
    /// Looks at the first block to tell a blocked file from an unblocked one.
    pub fn new(mut input: R) -> Result<Self, FileError> {
        let mut first = vec![0u8; BLOCK_LEN];
        let n = read_full(&mut input, &mut first).map_err(|e| io_error(0, e))?;
        first.truncate(n);
        let blocked = n == BLOCK_LEN && first[BLOCK_DATA..] == [PAD, PAD];
        if blocked {
            first.truncate(BLOCK_DATA);
        }
        Ok(VbsReader { input, blocked, block: first, at: 0, blocks: 1 })
    }

    pub fn blocked(&self) -> bool {
        self.blocked
    }

    /// Fills `buf` completely; `Ok(n < buf.len())` only at the end of the data.
    fn fill(&mut self, buf: &mut [u8], message: u64) -> Result<usize, FileError> {
        let mut filled = 0;
        while filled < buf.len() {
            if self.at == self.block.len() && !self.next_block(message)? {
                break;
            }
            let n = (buf.len() - filled).min(self.block.len() - self.at);
            buf[filled..filled + n].copy_from_slice(&self.block[self.at..self.at + n]);
            self.at += n;
            filled += n;
        }
        Ok(filled)
    }

    fn next_block(&mut self, message: u64) -> Result<bool, FileError> {
        let size = if self.blocked { BLOCK_LEN } else { 1 << 16 };
        self.block.resize(size, 0);
        let n = read_full(&mut self.input, &mut self.block).map_err(|e| io_error(message, e))?;
        self.block.truncate(n);
        self.at = 0;
        if n == 0 {
            return Ok(false);
        }
        if self.blocked {
            self.blocks += 1;
            if n != BLOCK_LEN || self.block[BLOCK_DATA..] != [PAD, PAD] {
                return Err(FileError::new(
                    message,
                    "1014 blocking",
                    format!("block {} of {BLOCK_LEN} bytes ending in 40 40", self.blocks),
                    format!("{n} bytes ending in {}", hex_tail(&self.block)),
                ));
            }
            self.block.truncate(BLOCK_DATA);
        }
        Ok(true)
    }

    /// The next message (`message` is its 1-based number, for errors), or `None` at the end marker.
    pub fn next_message(&mut self, message: u64) -> Result<Option<Vec<u8>>, FileError> {
        let mut rdw = [0u8; 4];
        let n = self.fill(&mut rdw, message)?;
        if n < 4 {
            return Err(FileError::new(
                message,
                "record descriptor word",
                "4 bytes (or the zero end-of-file marker)",
                format!("{n} bytes: the file is truncated"),
            ));
        }
        let length = u32::from_be_bytes(rdw) as usize;
        if length == 0 {
            self.check_end(message)?;
            return Ok(None);
        }
        if length > MAX_MESSAGE {
            return Err(FileError::new(
                message,
                "record descriptor word",
                format!("a length up to {MAX_MESSAGE}"),
                length.to_string(),
            ));
        }
        let mut body = vec![0u8; length];
        let got = self.fill(&mut body, message)?;
        if got < length {
            return Err(FileError::new(
                message,
                "message",
                format!("{length} bytes as its RDW says"),
                format!("{got} bytes: the file is truncated"),
            ));
        }
        Ok(Some(body))
    }

    /// After the end marker only block padding may follow.
    fn check_end(&mut self, message: u64) -> Result<(), FileError> {
        let mut rest = [0u8; 4096];
        loop {
            let n = self.fill(&mut rest, message)?;
            if n == 0 {
                return Ok(());
            }
            if !self.blocked || rest[..n].iter().any(|b| *b != PAD) {
                return Err(FileError::new(
                    message,
                    "end of file",
                    "nothing after the zero RDW but block padding",
                    format!("{n} more bytes"),
                ));
            }
        }
    }
}

fn hex_tail(block: &[u8]) -> String {
    block.iter().rev().take(2).rev().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

fn io_error(message: u64, e: io::Error) -> FileError {
    FileError::new(message, "file", "readable data", e.to_string())
}

fn read_full<R: Read>(input: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Writes messages with their RDWs, blocked or not.
pub struct VbsWriter<W: Write> {
    out: W,
    blocked: bool,
    /// Data bytes written into the current block.
    in_block: usize,
}

impl<W: Write> VbsWriter<W> {
    pub fn new(out: W, blocked: bool) -> Self {
        VbsWriter { out, blocked, in_block: 0 }
    }

    pub fn message(&mut self, body: &[u8]) -> io::Result<()> {
        self.data(&(body.len() as u32).to_be_bytes())?;
        self.data(body)
    }

    fn data(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        if !self.blocked {
            return self.out.write_all(bytes);
        }
        while !bytes.is_empty() {
            let n = bytes.len().min(BLOCK_DATA - self.in_block);
            self.out.write_all(&bytes[..n])?;
            self.in_block += n;
            bytes = &bytes[n..];
            if self.in_block == BLOCK_DATA {
                self.out.write_all(&[PAD, PAD])?;
                self.in_block = 0;
            }
        }
        Ok(())
    }

    /// Writes the zero end marker and pads the last block.
    pub fn finish(mut self) -> io::Result<W> {
        self.data(&[0, 0, 0, 0])?;
        if self.blocked && self.in_block > 0 {
            let pad = vec![PAD; BLOCK_DATA - self.in_block + 2];
            self.out.write_all(&pad)?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}
