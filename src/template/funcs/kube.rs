//! Template functions backed by the Kubernetes API (through
//! [`NodeAddresses`](crate::template::NodeAddresses)).

use super::sprig::to_int64;
use super::{FuncError, FuncResult, Host};
use crate::template::value::Value;

fn external_ips(host: &mut dyn Host, func: &str) -> Result<Vec<String>, FuncError> {
    let Some(nodes) = host.nodes() else {
        return Err(format!("{func} needs the Kubernetes API, which is not available here").into());
    };
    let ips = nodes.external_ips()?;
    if ips.is_empty() {
        return Err("no node has an ExternalIP address".into());
    }
    Ok(ips)
}

/// A random value without a `rand` dependency: the kernel's generator,
/// falling back to the clock mixed with the pid.
fn random_u64() -> u64 {
    let mut buf = [0u8; 8];
    if crate::sys::random_bytes(&mut buf) {
        return u64::from_ne_bytes(buf);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let mut x = nanos ^ (u64::from(std::process::id()) << 32);
    // splitmix64 finaliser spreads the bits.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub fn random_node_ip(host: &mut dyn Host, _: &[Value]) -> FuncResult {
    let ips = external_ips(host, "getRandomNodeIP")?;
    let i = (random_u64() % ips.len() as u64) as usize;
    Ok(Value::str(ips[i].as_str()))
}

/// `N mod count`, taken as a Euclidean remainder so a negative N still picks
/// a node (-1 is the last one).
pub fn node_ip_with_index(host: &mut dyn Host, args: &[Value]) -> FuncResult {
    let n = to_int64(&args[0]);
    let ips = external_ips(host, "getNodeIPWithIndex")?;
    let i = n.rem_euclid(ips.len() as i64) as usize;
    Ok(Value::str(ips[i].as_str()))
}

pub fn pod_node_ip(host: &mut dyn Host, _: &[Value]) -> FuncResult {
    let Some(nodes) = host.nodes() else {
        return Err("getPodNodeIP needs the Kubernetes API, which is not available here".into());
    };
    Ok(Value::str(nodes.pod_node_ip()?))
}
