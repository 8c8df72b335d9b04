/* libFuzzer target: the SSH sink's parser of the remote `pwd && df -Pk .`
 * reply (exec mode's --check), the one parser of server bytes that is ours
 * (SFTP replies are libssh's). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../capture/ssh_df.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[64];
	uint64_t total, avail;
	size_t dir_len = size ? 1 + data[0] % sizeof(dir) : sizeof(dir);

	if (ssh_parse_df((const char *)data, size, dir, dir_len, &total, &avail) == 0) {
		assert(strlen(dir) < dir_len && dir[0]);
		assert(total % 1024 == 0 && avail % 1024 == 0);
	}
	return 0;
}
