import { describe, expect, it } from 'vitest';
import { AgentExecError, execInGuest } from '../../src/simulator/guest.js';
import { SimState } from '../../src/simulator/state.js';

const state = new SimState();
const web = state.guests.get(100)!; // debian VM, running, nginx
const db = state.guests.get(101)!; // ubuntu VM, postgres
const win = state.guests.get(102)!;
const ct = state.guests.get(200)!; // debian CT dns01

const sh = (g = web, script: string, input = '') => execInGuest(g, ['/bin/sh', '-c', script], input, 1 << 20);

describe('the simulated guest shell', () => {
  it("answers the everyday inspection commands from the guest's own config", () => {
    expect(sh(web, 'hostname').stdout).toBe('web01\n');
    expect(sh(web, 'uptime').stdout).toMatch(/^ \d\d:\d\d:\d\d up .*load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d\n$/);
    expect(sh(web, 'cat /proc/loadavg').stdout).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\/\d+ \d+\n$/);
    const free = sh(web, 'free -m').stdout;
    expect(free).toMatch(/^\s+total\s+used\s+free/);
    expect(free).toMatch(/Mem:\s+2048\s/);
    expect(sh(db, 'free -m').stdout).toMatch(/Mem:\s+8192\s/);
    expect(sh(web, 'df -h /').stdout).toMatch(/\/dev\/sda1\s+31G/);
    expect(sh(ct, 'df -h').stdout).toMatch(/pve-vm--200--disk--0\s+8\.0G/);
    expect(sh(web, 'nproc').stdout).toBe('2\n');
    expect(sh(web, 'uname -r').stdout).toBe('6.1.0-25-amd64\n');
    expect(sh(db, 'cat /etc/os-release').stdout).toMatch(/Ubuntu 24\.04/);
    expect(sh(web, 'id').stdout).toBe('uid=0(root) gid=0(root) groups=0(root)\n');
    expect(sh(web, 'whoami').stdout).toBe('root\n');
    expect(sh(web, 'ip -br a').stdout).toMatch(/ens18\s+UP\s+10\.10\.0\.100\/24/);
    expect(sh(ct, 'ip addr').stdout).toMatch(/eth0@if40:.*\n    link\/ether bc:24:11/);
    expect(sh(web, 'cat /proc/meminfo | head -n 1').stdout).toMatch(/^MemTotal:\s+2097152 kB\n$/);
  });

  it("knows each guest's services: is-active, status, ps", () => {
    expect(sh(web, 'systemctl is-active nginx').stdout).toBe('active\n');
    const missing = sh(web, 'systemctl is-active postgresql');
    expect([missing.stdout, missing.exitcode]).toEqual(['inactive\n', 3]);
    expect(sh(db, 'systemctl status postgresql').stdout).toMatch(/● postgresql\.service - PostgreSQL RDBMS\n.*Active: active \(running\)/s);
    const none = sh(db, 'systemctl status nosuch');
    expect([none.stderr, none.exitcode]).toEqual(['Unit nosuch.service could not be found.\n', 4]);
    expect(sh(db, 'ps aux | grep -c postgres').stdout).toBe('1\n');
    expect(sh(ct, 'ps aux').stdout).toMatch(/unbound/);
    // Stopping a service inside the guest changes what it reports.
    expect(sh(web, 'systemctl stop nginx && systemctl is-active nginx').stdout).toBe('inactive\n');
    expect(sh(web, 'systemctl start nginx; systemctl is-active nginx').stdout).toBe('active\n');
  });

  it('runs pipes, redirects, &&, ||, ;, $? and stdin', () => {
    expect(sh(web, 'echo hello | tr a-z A-Z').stdout).toBe('HELLO\n');
    expect(sh(web, 'cat /etc/passwd | grep -v nologin | cut -d: -f1').stdout).toBe('root\n');
    expect(sh(web, 'false || echo fallback && echo chained').stdout).toBe('fallback\nchained\n');
    expect(sh(web, 'false; echo $?').stdout).toBe('1\n');
    expect(sh(web, 'echo one > /tmp/f && echo two >> /tmp/f && cat /tmp/f | wc -l').stdout).toBe('2\n');
    expect(sh(web, 'wc -l < /tmp/f').stdout).toBe('2\n');
    expect(sh(web, 'cat', 'from stdin\n').stdout).toBe('from stdin\n');
    expect(execInGuest(web, ['cat'], 'piped\n', 1000).stdout).toBe('piped\n');
    const err = sh(web, 'cat /nope 2>&1');
    expect([err.stdout, err.stderr]).toEqual(['cat: /nope: No such file or directory\n', '']);
    expect(sh(web, 'cat /nope 2>/dev/null; echo rc=$?').stdout).toBe('rc=1\n');
    expect(sh(web, 'echo warn >&2').stderr).toBe('warn\n');
    expect(sh(web, 'exit 7').exitcode).toBe(7);
    expect(sh(web, 'echo "a  b" \'$HOME\' $HOME').stdout).toBe('a  b $HOME /root\n');
    expect(sh(web, "free -m | awk '/Mem/ {print $2}'").stdout).toBe('2048\n');
    expect(sh(web, 'test -f /etc/hostname && echo yes').stdout).toBe('yes\n');
    expect(sh(web, '[ 3 -gt 2 ] && echo bigger').stdout).toBe('bigger\n');
    expect(sh(web, 'sleep 2').durationMs).toBe(2000);
  });

  it('reports unknown programs like a shell and like qemu-ga', () => {
    const r = sh(web, 'htop');
    expect([r.stderr, r.exitcode]).toEqual(['sh: 1: htop: not found\n', 127]);
    expect(() => execInGuest(web, ['htop'], '', 1000)).toThrow(AgentExecError);
    // qemu-ga's short PATH: system tools need a full path (or a shell).
    expect(() => execInGuest(web, ['systemctl', 'status'], '', 1000)).toThrow(/Failed to execute child process/);
    expect(execInGuest(web, ['/usr/bin/systemctl', 'is-active', 'ssh'], '', 1000).stdout).toBe('active\n');
  });

  it('caps output and never lets hostile scripts escape or hang', () => {
    const big = execInGuest(web, ['yes'], '', 1000);
    expect([big.stdout.length, big.outTruncated]).toEqual([1000, true]);
    for (const script of [
      '$(rm -rf /)',
      '`reboot`',
      'echo $((1+1))',
      ';;;',
      '| |',
      'cat < ',
      'echo "unterminated',
      '\u0000',
      'a'.repeat(100_000),
    ]) {
      const r = sh(web, script);
      expect(typeof r.exitcode).toBe('number');
    }
    expect(sh(web, 'cat /etc/hostname').stdout).toBe('web01\n');
  });

  it('answers Windows guests their own way', () => {
    expect(execInGuest(win, ['cmd', '/c', 'hostname'], '', 1000).stdout).toBe('WIN11-DESK\r\n');
    expect(execInGuest(win, ['ipconfig'], '', 1000).stdout).toMatch(/IPv4 Address[ .]*: 10\.10\.0\.102/);
    expect(execInGuest(win, ['cmd', '/c', 'systeminfo'], '', 1000).stdout).toMatch(/Total Physical Memory:\s+8,192 MB/);
    expect(execInGuest(win, ['powershell', '-Command', 'Get-Service'], '', 1000).stdout).toMatch(/QEMU-GA/);
    const bad = execInGuest(win, ['cmd', '/c', 'uptime'], '', 1000);
    expect([bad.exitcode, bad.stderr]).toEqual([1, expect.stringMatching(/is not recognized/)]);
    expect(() => execInGuest(win, ['/bin/sh', '-c', 'id'], '', 1000)).toThrow(AgentExecError);
  });
});
