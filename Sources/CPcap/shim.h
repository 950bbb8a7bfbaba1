// libpcap (Debian: libpcap-dev), which reads and writes pcap and pcapng capture files.
#include <pcap/pcap.h>
