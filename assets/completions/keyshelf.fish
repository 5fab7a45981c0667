# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_keyshelf_global_optspecs
    string join \n db= h/help V/version
end

function __fish_keyshelf_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_keyshelf_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_keyshelf_using_subcommand
    set -l cmd (__fish_keyshelf_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c keyshelf -n "__fish_keyshelf_needs_command" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_needs_command" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -s V -l version -d 'Print version'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "account" -d 'Cloud accounts (Alibaba Cloud, AWS, Tencent Cloud, TWCC, ...)'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "cloud" -d 'A cloud account\'s key pairs: check, regions, status, pull, push, delete'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "key" -d 'Key pairs: create, import, list, show, edit, delete, export, bind'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "host" -d 'Hosts (servers, instances) that key pairs are bound to'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "known-hosts" -d 'Clean stale known_hosts lines after a server\'s key changed'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "scan" -d 'Find the keys of an SSH folder (~/.ssh) and import them'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "agent" -d 'The ssh-agent of SSH_AUTH_SOCK: add a key pair\'s key, list what it holds, remove'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "connect" -d 'Log in to a host with its bound key pair, through your own ssh'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "ssh-config" -d 'A managed ssh config: `ssh HOST` uses exactly the key pair bound to it'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "export" -d 'Write the whole inventory as one JSON document (a backup, or to move machines)'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "import-inventory" -d 'Merge a document written by `keyshelf export` into this inventory'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "desktop" -d 'Desktop integration'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "report" -d 'What needs attention: weak, old or shared keys, rotations due, private key files gone or readable by others, unused key pairs, failed login checks'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "doctor" -d 'What works on this machine: ssh tools, agent, inventory, ssh config, AWS profiles, launcher'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "man" -d 'Print the man page, or write every page (one per subcommand) into a folder'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "activity" -d 'The log of every change, newest first'
complete -c keyshelf -n "__fish_keyshelf_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and not __fish_seen_subcommand_from add edit list rm help" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and not __fish_seen_subcommand_from add edit list rm help" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and not __fish_seen_subcommand_from add edit list rm help" -f -a "add" -d 'Add a cloud account'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and not __fish_seen_subcommand_from add edit list rm help" -f -a "edit" -d 'Change an account\'s name, note, profile, default region or endpoint'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and not __fish_seen_subcommand_from add edit list rm help" -f -a "list" -d 'List accounts'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and not __fish_seen_subcommand_from add edit list rm help" -f -a "rm" -d 'Remove an account that has no key pairs or hosts'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and not __fish_seen_subcommand_from add edit list rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from add" -l provider -d 'alibaba, aws, tencent, twcc, apiculus, digitalocean, hetzner, openstack or other' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from add" -l note -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from add" -l profile -d 'The provider CLI\'s profile with its credentials (AWS: ~/.aws); "" clears it' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from add" -l region -d 'The region cloud commands use when none is named; "" clears it' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from add" -l endpoint -d 'The API endpoint (a private deployment, a proxy, an emulator); "" clears it' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from add" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from edit" -l name -d 'A new name' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from edit" -l note -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from edit" -l profile -d 'The provider CLI\'s profile with its credentials (AWS: ~/.aws); "" clears it' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from edit" -l region -d 'The region cloud commands use when none is named; "" clears it' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from edit" -l endpoint -d 'The API endpoint (a private deployment, a proxy, an emulator); "" clears it' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from edit" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from list" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from list" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from rm" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a cloud account'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change an account\'s name, note, profile, default region or endpoint'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "list" -d 'List accounts'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove an account that has no key pairs or hosts'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and not __fish_seen_subcommand_from check regions status pull push delete help" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and not __fish_seen_subcommand_from check regions status pull push delete help" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and not __fish_seen_subcommand_from check regions status pull push delete help" -f -a "check" -d 'Which cloud account and identity the account\'s credentials are, and its regions'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and not __fish_seen_subcommand_from check regions status pull push delete help" -f -a "regions" -d 'The regions the account can use'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and not __fish_seen_subcommand_from check regions status pull push delete help" -f -a "status" -d 'Compare the cloud\'s key pairs with the inventory, region by region (changes nothing)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and not __fish_seen_subcommand_from check regions status pull push delete help" -f -a "pull" -d 'Bring the cloud\'s key pairs into the inventory (nothing is overwritten)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and not __fish_seen_subcommand_from check regions status pull push delete help" -f -a "push" -d 'Import a key pair into the account\'s regions'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and not __fish_seen_subcommand_from check regions status pull push delete help" -f -a "delete" -d 'Delete a key pair from the account\'s regions (only where the cloud\'s key is this key)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and not __fish_seen_subcommand_from check regions status pull push delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from check" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from check" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from regions" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from regions" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from regions" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from status" -l region -d 'A region (repeat for several); default: the account\'s region' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from status" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from status" -l all-regions -d 'Every region enabled for the account'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from status" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from pull" -l region -d 'A region (repeat for several); default: the account\'s region' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from pull" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from pull" -l all-regions -d 'Every region enabled for the account'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from pull" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from push" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from push" -l region -d 'A region (repeat for several); default: the account\'s region' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from push" -l cloud-name -d 'The name in this account\'s cloud, when the key pair\'s own does not fit its rules (Tencent Cloud: at most 25 letters, digits and _); remembered for the next push and delete' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from push" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from push" -l all-regions -d 'Every region enabled for the account'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from push" -l replace -d 'Where the name holds another key: delete it there, then import this one'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from push" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from delete" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from delete" -l region -d 'A region (repeat for several); default: the account\'s region' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from delete" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from delete" -l all-regions -d 'Every region enabled for the account'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from delete" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from help" -f -a "check" -d 'Which cloud account and identity the account\'s credentials are, and its regions'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from help" -f -a "regions" -d 'The regions the account can use'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from help" -f -a "status" -d 'Compare the cloud\'s key pairs with the inventory, region by region (changes nothing)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from help" -f -a "pull" -d 'Bring the cloud\'s key pairs into the inventory (nothing is overwritten)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from help" -f -a "push" -d 'Import a key pair into the account\'s regions'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a key pair from the account\'s regions (only where the cloud\'s key is this key)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand cloud; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "create" -d 'Generate a key pair and save its private key (the only copy) to --out'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "import" -d 'Import a public key (or the public half of a private key file)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "list" -d 'List key pairs'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "show" -d 'Show one key pair (KEY: name, id, or any fingerprint form)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "edit" -d 'Rename, describe, tag, give an owner or a rotate-by date to a key pair'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "rm" -d 'Delete key pairs (refused while bound to a host, unless --unbind, or while a cloud account holds them, unless --keep-in-cloud)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "convert" -d 'Save a copy of a key pair\'s private key file in another format (OpenSSH, PKCS#8, PKCS#1, PuTTY PPK)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "export" -d 'Print or save the public key'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "deploy" -d 'Put a key pair on servers: add it to each host\'s authorized_keys, bind it, prove a login'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "undeploy" -d 'Take a key pair off servers: remove its lines from each host\'s authorized_keys, unbind it'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "rotate" -d 'Replace a key pair by another on every host it is bound to (new key proved first)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "bind" -d 'Bind a key pair to hosts in the inventory only (see `key deploy` to put it on them)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "unbind" -d 'Unbind a key pair from hosts'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and not __fish_seen_subcommand_from create import list show edit rm convert export deploy undeploy rotate bind unbind help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l out -d 'Where to save the private key (mode 0600); FILE.pub gets the public key' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l type -d 'ed25519, ecdsa or rsa' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l bits -d 'RSA: 2048, 3072 (default) or 4096; ECDSA: 256 (default), 384 or 521' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l format -d 'openssh, pkcs8, pkcs1 or ppk (PuTTY)' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l passphrase-file -d 'A file whose first line is the passphrase (OpenSSH and PPK formats only)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l comment -d 'Defaults to the key pair\'s name' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l description -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l tag -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -l force -d 'Replace --out (and FILE.pub) if they exist'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l file -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l name-prefix -d 'With --all: name keys PREFIX1, PREFIX2, ... instead of after their comments' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l description -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l tag -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l stdin -d 'Read the key from standard input'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l all -d 'Import every key of an authorized_keys-style file'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -l skip-invalid -d 'With --all: import the valid lines and report the others'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from list" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from list" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from list" -l search -d 'Match name, comment, description, tags or any fingerprint form' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from list" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from list" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from show" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from show" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from show" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from show" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l name -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l description -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l tag -d 'Set a tag KEY=VALUE (repeatable)' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l untag -d 'Remove a tag (repeatable)' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l owner -d 'Who answers for it (an empty value removes it)' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l rotate-by -d 'The date to rotate it by, YYYY-MM-DD' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l rotate-in -d 'Rotate it within this many days from today, such as 90d' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l to-account -d 'Move it to this account (an empty value: to no account), checked as a new key pair there (its name free, the account\'s quota)' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l to-region -d 'Move it to this region (an empty value: to no region); with --to-account or alone' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -l no-rotate-by -d 'Remove its rotate-by date'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rm" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rm" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rm" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rm" -l unbind -d 'Unbind from every host first, then delete'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rm" -l keep-in-cloud -d 'Delete it here although a cloud account still holds it'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from convert" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from convert" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from convert" -l out -d 'The new file (mode 0600); never replaces an existing file' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from convert" -l format -d 'openssh, pkcs8, pkcs1 or ppk (PuTTY)' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from convert" -l passphrase-file -d 'A file whose first line opens the private key file, if it has a passphrase' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from convert" -l new-passphrase-file -d 'A file whose first line protects the new file (openssh and ppk only)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from convert" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from convert" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from export" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from export" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from export" -l format -d 'openssh, rfc4716 or pkcs8' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from export" -l out -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from export" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from export" -l force -d 'Replace --out if it exists'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from deploy" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from deploy" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from deploy" -l identity -d 'Log in with this private key file to manage the hosts' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from deploy" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from deploy" -l accept-new -d 'Accept the key of a host seen for the first time (StrictHostKeyChecking=accept-new)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from deploy" -l json -d 'Print one JSON object per host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from deploy" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from undeploy" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from undeploy" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from undeploy" -l identity -d 'Log in with this private key file to manage the hosts' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from undeploy" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from undeploy" -l accept-new -d 'Accept the key of a host seen for the first time (StrictHostKeyChecking=accept-new)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from undeploy" -l json -d 'Print one JSON object per host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from undeploy" -l force -d 'Remove it even when Keyshelf is logged in with it and no other login was proved'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from undeploy" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rotate" -l to -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rotate" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rotate" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rotate" -l identity -d 'Log in with this private key file to manage the hosts' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rotate" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rotate" -l accept-new -d 'Accept the key of a host seen for the first time (StrictHostKeyChecking=accept-new)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rotate" -l json -d 'Print one JSON object per host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rotate" -l delete-old -d 'Delete the old key pair from the inventory once every host moved'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from bind" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from bind" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from bind" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from bind" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from unbind" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from unbind" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from unbind" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from unbind" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "create" -d 'Generate a key pair and save its private key (the only copy) to --out'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import a public key (or the public half of a private key file)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "list" -d 'List key pairs'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one key pair (KEY: name, id, or any fingerprint form)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Rename, describe, tag, give an owner or a rotate-by date to a key pair'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Delete key pairs (refused while bound to a host, unless --unbind, or while a cloud account holds them, unless --keep-in-cloud)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "convert" -d 'Save a copy of a key pair\'s private key file in another format (OpenSSH, PKCS#8, PKCS#1, PuTTY PPK)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print or save the public key'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "deploy" -d 'Put a key pair on servers: add it to each host\'s authorized_keys, bind it, prove a login'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "undeploy" -d 'Take a key pair off servers: remove its lines from each host\'s authorized_keys, unbind it'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Replace a key pair by another on every host it is bound to (new key proved first)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "bind" -d 'Bind a key pair to hosts in the inventory only (see `key deploy` to put it on them)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "unbind" -d 'Unbind a key pair from hosts'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -f -a "add" -d 'Add a host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -f -a "edit" -d 'Change a host\'s details (what is not given stays)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -f -a "list" -d 'List hosts and the key pairs bound to each'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -f -a "rm" -d 'Remove a host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -f -a "check" -d 'Log in to hosts with each bound key pair alone and remember the result'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -f -a "audit" -d 'List every key in a host\'s authorized_keys and the key pair it is'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -f -a "import-ssh-config" -d 'Add the hosts of your ssh config (every concrete Host alias, as `ssh -G` resolves it)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -f -a "reset-key" -d 'Make KEY the only key pair of HOST: deploy it, prove it, then remove the old ones'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and not __fish_seen_subcommand_from add edit list rm check audit import-ssh-config reset-key help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from add" -l address -d 'A DNS name or IP address (repeatable)' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from add" -l port -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from add" -l user -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from add" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from add" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from add" -l authorized-keys -d 'Its authorized_keys file, relative to the login user\'s home or absolute' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from add" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from edit" -l name -d 'A new name' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from edit" -l address -d 'Replaces every address (repeatable)' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from edit" -l port -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from edit" -l user -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from edit" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from edit" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from edit" -l authorized-keys -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from edit" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from list" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from list" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from rm" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from check" -l identity -d 'Log in with this private key file to manage the hosts' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from check" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from check" -l accept-new -d 'Accept the key of a host seen for the first time (StrictHostKeyChecking=accept-new)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from check" -l json -d 'Print one JSON object per host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from audit" -l identity -d 'Log in with this private key file to manage the hosts' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from audit" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from audit" -l import -d 'Add the keys the inventory does not know'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from audit" -l accept-new -d 'Accept the key of a host seen for the first time (StrictHostKeyChecking=accept-new)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from audit" -l json -d 'Print one JSON object per host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from audit" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from import-ssh-config" -l file -d 'The ssh config to read (default: ~/.ssh/config)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from import-ssh-config" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from import-ssh-config" -l json -d 'Print one JSON object per alias'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from import-ssh-config" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from reset-key" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from reset-key" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from reset-key" -l identity -d 'Log in with this private key file to manage the hosts' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from reset-key" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from reset-key" -l accept-new -d 'Accept the key of a host seen for the first time (StrictHostKeyChecking=accept-new)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from reset-key" -l json -d 'Print one JSON object per host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from reset-key" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change a host\'s details (what is not given stays)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "list" -d 'List hosts and the key pairs bound to each'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "check" -d 'Log in to hosts with each bound key pair alone and remember the result'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "audit" -d 'List every key in a host\'s authorized_keys and the key pair it is'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "import-ssh-config" -d 'Add the hosts of your ssh config (every concrete Host alias, as `ssh -G` resolves it)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "reset-key" -d 'Make KEY the only key pair of HOST: deploy it, prove it, then remove the old ones'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand host; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and not __fish_seen_subcommand_from remove restore help" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and not __fish_seen_subcommand_from remove restore help" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and not __fish_seen_subcommand_from remove restore help" -f -a "remove" -d 'Remove every line for the given hosts (names, addresses, host:port)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and not __fish_seen_subcommand_from remove restore help" -f -a "restore" -d 'Put FILE.old back (refused if FILE has lines added since the removal)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and not __fish_seen_subcommand_from remove restore help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from remove" -l file -d 'known_hosts file to edit (default: ~/.ssh/known_hosts)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from remove" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from remove" -l dry-run -d 'Show what would be removed; write nothing'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from remove" -l json -d 'Print the result as JSON'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from restore" -l file -d 'known_hosts file to restore (default: ~/.ssh/known_hosts)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from restore" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from restore" -l force -d 'Restore even if FILE has lines FILE.old does not have; they are lost'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from restore" -l merge -d 'Restore and keep the lines added since, after the backup\'s lines'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove every line for the given hosts (names, addresses, host:port)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Put FILE.old back (refused if FILE has lines added since the removal)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand known-hosts; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand scan" -l dir -d 'The folder to scan (default: ~/.ssh); subfolders are not scanned' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand scan" -l account -d 'With --import: put the new key pairs in this account' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand scan" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand scan" -l import -d 'Add the keys found to the inventory, remembering where their private keys are'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand scan" -l include-authorized-keys -d 'Also list the keys of authorized_keys and authorized_keys2 (keys that may log in here)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand scan" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand scan" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and not __fish_seen_subcommand_from add list rm help" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and not __fish_seen_subcommand_from add list rm help" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and not __fish_seen_subcommand_from add list rm help" -f -a "add" -d 'Add a key pair\'s private key file to the agent (ssh-add asks for its passphrase)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and not __fish_seen_subcommand_from add list rm help" -f -a "list" -d 'List the keys the agent holds and the key pairs they are'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and not __fish_seen_subcommand_from add list rm help" -f -a "rm" -d 'Remove a key pair\'s key from the agent, or every key with --all'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and not __fish_seen_subcommand_from add list rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from add" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from add" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from add" -l lifetime -d 'Forget it after this long: seconds, or 90s, 30m, 1h, 2d, 1w (as ssh-add -t)' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from add" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from add" -l confirm -d 'The agent asks before each use of the key (ssh-add -c)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from list" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from list" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from rm" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from rm" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from rm" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from rm" -l all
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a key pair\'s private key file to the agent (ssh-add asks for its passphrase)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the keys the agent holds and the key pairs they are'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove a key pair\'s key from the agent, or every key with --all'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand connect" -l key -d 'Log in with this key pair instead of the host\'s first bound one' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand connect" -l account -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand connect" -l region -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand connect" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand connect" -l any-key -d 'When no bound key pair has a private key file, let ssh use your own setup (agent, config)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand connect" -l print -d 'Print the ssh command instead of running it (--json: its argv too)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand connect" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand connect" -l terminal -d 'Open it in a new terminal window ($TERMINAL, else the desktop\'s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand connect" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and not __fish_seen_subcommand_from write show off help" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and not __fish_seen_subcommand_from write show off help" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and not __fish_seen_subcommand_from write show off help" -f -a "write" -d 'Write keyshelf.conf next to your ssh config and Include it (once) at its top'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and not __fish_seen_subcommand_from write show off help" -f -a "show" -d 'Print the managed file as it would be written now, and the hosts left out'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and not __fish_seen_subcommand_from write show off help" -f -a "off" -d 'Stop managing it: take the Include line out, remove keyshelf.conf'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and not __fish_seen_subcommand_from write show off help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from write" -l file -d 'The ssh config to Include it from (default: ~/.ssh/config)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from write" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from write" -l dry-run -d 'Print what would be written and the Include change; write nothing'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from write" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from show" -l file -d 'The ssh config it is included from (default: the one `write` used, else ~/.ssh/config)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from show" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from off" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from off" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from help" -f -a "write" -d 'Write keyshelf.conf next to your ssh config and Include it (once) at its top'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the managed file as it would be written now, and the hosts left out'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from help" -f -a "off" -d 'Stop managing it: take the Include line out, remove keyshelf.conf'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand ssh-config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand export" -l out -d 'Write it to FILE (mode 0600) instead of standard output' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand export" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand export" -l force -d 'Replace --out if it exists'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand export" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand import-inventory" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand import-inventory" -l dry-run -d 'Report what would change; change nothing'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand import-inventory" -l rename -d 'Import a key pair whose name is taken by another key (same account and region) under a new name'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand import-inventory" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand import-inventory" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand desktop; and not __fish_seen_subcommand_from install help" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand desktop; and not __fish_seen_subcommand_from install help" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand desktop; and not __fish_seen_subcommand_from install help" -f -a "install" -d 'Add Keyshelf to the desktop\'s launcher (~/.local/share/applications and icons)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand desktop; and not __fish_seen_subcommand_from install help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand desktop; and __fish_seen_subcommand_from install" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand desktop; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand desktop; and __fish_seen_subcommand_from help" -f -a "install" -d 'Add Keyshelf to the desktop\'s launcher (~/.local/share/applications and icons)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand desktop; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand report" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand report" -l json -d 'Print an array of findings'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand report" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand doctor" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand doctor" -l json -d 'Print an array of objects with `name`, `ok`, `detail` and `fix` (null when ok)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand completions" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand man" -l dir -d 'Write every page (keyshelf.1, keyshelf-key-create.1, ...) into DIR, created if needed (default: print the main page)' -r -f -a "(__fish_complete_directories)"
complete -c keyshelf -n "__fish_keyshelf_using_subcommand man" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand man" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand activity" -l filter -d 'Only entries mentioning this text' -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand activity" -l limit -r
complete -c keyshelf -n "__fish_keyshelf_using_subcommand activity" -l db -d 'Inventory file to use (default: $KEYSHELF_DB, else the user\'s data folder)' -r -F
complete -c keyshelf -n "__fish_keyshelf_using_subcommand activity" -l json
complete -c keyshelf -n "__fish_keyshelf_using_subcommand activity" -s h -l help -d 'Print help'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "account" -d 'Cloud accounts (Alibaba Cloud, AWS, Tencent Cloud, TWCC, ...)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "cloud" -d 'A cloud account\'s key pairs: check, regions, status, pull, push, delete'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "key" -d 'Key pairs: create, import, list, show, edit, delete, export, bind'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "host" -d 'Hosts (servers, instances) that key pairs are bound to'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "known-hosts" -d 'Clean stale known_hosts lines after a server\'s key changed'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "scan" -d 'Find the keys of an SSH folder (~/.ssh) and import them'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "agent" -d 'The ssh-agent of SSH_AUTH_SOCK: add a key pair\'s key, list what it holds, remove'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "connect" -d 'Log in to a host with its bound key pair, through your own ssh'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "ssh-config" -d 'A managed ssh config: `ssh HOST` uses exactly the key pair bound to it'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "export" -d 'Write the whole inventory as one JSON document (a backup, or to move machines)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "import-inventory" -d 'Merge a document written by `keyshelf export` into this inventory'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "desktop" -d 'Desktop integration'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "report" -d 'What needs attention: weak, old or shared keys, rotations due, private key files gone or readable by others, unused key pairs, failed login checks'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "doctor" -d 'What works on this machine: ssh tools, agent, inventory, ssh config, AWS profiles, launcher'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "man" -d 'Print the man page, or write every page (one per subcommand) into a folder'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "activity" -d 'The log of every change, newest first'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and not __fish_seen_subcommand_from account cloud key host known-hosts scan agent connect ssh-config export import-inventory desktop report doctor completions man activity help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "add" -d 'Add a cloud account'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "edit" -d 'Change an account\'s name, note, profile, default region or endpoint'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "list" -d 'List accounts'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "rm" -d 'Remove an account that has no key pairs or hosts'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from cloud" -f -a "check" -d 'Which cloud account and identity the account\'s credentials are, and its regions'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from cloud" -f -a "regions" -d 'The regions the account can use'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from cloud" -f -a "status" -d 'Compare the cloud\'s key pairs with the inventory, region by region (changes nothing)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from cloud" -f -a "pull" -d 'Bring the cloud\'s key pairs into the inventory (nothing is overwritten)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from cloud" -f -a "push" -d 'Import a key pair into the account\'s regions'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from cloud" -f -a "delete" -d 'Delete a key pair from the account\'s regions (only where the cloud\'s key is this key)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "create" -d 'Generate a key pair and save its private key (the only copy) to --out'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "import" -d 'Import a public key (or the public half of a private key file)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "list" -d 'List key pairs'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "show" -d 'Show one key pair (KEY: name, id, or any fingerprint form)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "edit" -d 'Rename, describe, tag, give an owner or a rotate-by date to a key pair'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "rm" -d 'Delete key pairs (refused while bound to a host, unless --unbind, or while a cloud account holds them, unless --keep-in-cloud)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "convert" -d 'Save a copy of a key pair\'s private key file in another format (OpenSSH, PKCS#8, PKCS#1, PuTTY PPK)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "export" -d 'Print or save the public key'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "deploy" -d 'Put a key pair on servers: add it to each host\'s authorized_keys, bind it, prove a login'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "undeploy" -d 'Take a key pair off servers: remove its lines from each host\'s authorized_keys, unbind it'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "rotate" -d 'Replace a key pair by another on every host it is bound to (new key proved first)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "bind" -d 'Bind a key pair to hosts in the inventory only (see `key deploy` to put it on them)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "unbind" -d 'Unbind a key pair from hosts'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "add" -d 'Add a host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "edit" -d 'Change a host\'s details (what is not given stays)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "list" -d 'List hosts and the key pairs bound to each'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "rm" -d 'Remove a host'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "check" -d 'Log in to hosts with each bound key pair alone and remember the result'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "audit" -d 'List every key in a host\'s authorized_keys and the key pair it is'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "import-ssh-config" -d 'Add the hosts of your ssh config (every concrete Host alias, as `ssh -G` resolves it)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from host" -f -a "reset-key" -d 'Make KEY the only key pair of HOST: deploy it, prove it, then remove the old ones'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from known-hosts" -f -a "remove" -d 'Remove every line for the given hosts (names, addresses, host:port)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from known-hosts" -f -a "restore" -d 'Put FILE.old back (refused if FILE has lines added since the removal)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "add" -d 'Add a key pair\'s private key file to the agent (ssh-add asks for its passphrase)'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "list" -d 'List the keys the agent holds and the key pairs they are'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "rm" -d 'Remove a key pair\'s key from the agent, or every key with --all'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from ssh-config" -f -a "write" -d 'Write keyshelf.conf next to your ssh config and Include it (once) at its top'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from ssh-config" -f -a "show" -d 'Print the managed file as it would be written now, and the hosts left out'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from ssh-config" -f -a "off" -d 'Stop managing it: take the Include line out, remove keyshelf.conf'
complete -c keyshelf -n "__fish_keyshelf_using_subcommand help; and __fish_seen_subcommand_from desktop" -f -a "install" -d 'Add Keyshelf to the desktop\'s launcher (~/.local/share/applications and icons)'
